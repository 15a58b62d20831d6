import { Worker } from 'node:worker_threads';
import { expect } from 'chai';
import { VirtualTimeScheduler } from 'rxjs';
import { FbDeferredIo } from './fb-deferred-io.js';
import type { RaceResult, RaceRound } from './race-writer.js';
import { fbInfo } from './test-fixtures.js';

/**
 * "A store that returned without error is delivered", across munmap and cleanup: a real worker
 * thread stores k = 1, 2, 3, … into a two-page framebuffer until a store throws, while this thread
 * unmaps the mapping (or cleans the framebuffer up) at a varying moment after the worker started.
 * Afterwards the bytes of the worker's last successful store must be in the framebuffer (the
 * refused store did not land) and in the consumer's copy of the batches (it was delivered).
 */
const ROUNDS = 7000;

function startRacer(): { worker: Worker; round: (job: RaceRound) => Promise<RaceResult> } {
  const worker = new Worker(new URL('./race-writer.js', import.meta.url));
  let answer: { resolve: (r: RaceResult) => void; reject: (e: Error) => void } | undefined;
  worker.on('message', (r: RaceResult) => answer?.resolve(r));
  worker.on('error', (e) => answer?.reject(e));
  const round = (job: RaceRound) =>
    new Promise<RaceResult>((resolve, reject) => {
      answer = { resolve, reject };
      worker.postMessage(job);
    });
  return { worker, round };
}

async function raceRound(
  round: (job: RaceRound) => Promise<RaceResult>,
  n: number,
  path: 'munmap' | 'cleanup',
): Promise<string | undefined> {
  const defio = new FbDeferredIo(fbInfo(2 * 4096), { delay: 5 }, new VirtualTimeScheduler());
  const copy = new Uint8Array(2 * 4096);
  defio.pagerefs$.subscribe((batch) => {
    for (const ref of batch.pagerefs) copy.set(ref.page.bytes, ref.offset);
  });
  const map = defio.mmap(defio.open(), { length: 2 * 4096 });
  const signal = new SharedArrayBuffer(4);
  const done = round({ desc: map.share(), signal, round: n, shape: n % 3 });
  // block until the worker is storing, then let it run for a round-dependent moment
  const flag = new Int32Array(signal);
  if (Atomics.wait(flag, 0, 0, 10_000) === 'timed-out') return `round ${n}: the worker never started`;
  for (let spin = (n * 7919) % 4000; spin > 0; spin--) Atomics.load(flag, 0);
  if (path === 'munmap') {
    // the writeback clears the page bits, so the racing store's bit is a fresh one (a bit that is
    // already set would be collected by munmap whatever the order)
    defio.fsync();
    map.close();
  } else defio.cleanup();
  const { offset, bytes, code } = await done;
  defio.fsync();
  const expected = path === 'munmap' ? 'EFAULT' : 'SIGBUS';
  if (code !== expected) return `round ${n}: the refused store threw ${code}, not ${expected}`;
  const memory = Buffer.from(defio.memory.memory, offset, bytes.length);
  if (!memory.equals(bytes)) return `round ${n}: the refused store landed`;
  if (!Buffer.from(copy.buffer, offset, bytes.length).equals(bytes))
    return `round ${n}: the last successful store was not delivered`;
  return undefined;
}

describe('worker stores racing munmap and cleanup (real threads)', function () {
  this.timeout(120_000);
  for (const path of ['munmap', 'cleanup'] as const) {
    it(`${ROUNDS} rounds of ${path}: every store that returned is delivered, the refused one never lands`, async () => {
      const { worker, round } = startRacer();
      const failures: string[] = [];
      try {
        for (let n = 1; n <= ROUNDS; n++) {
          const failure = await raceRound(round, n, path);
          if (failure) failures.push(failure);
        }
      } finally {
        await worker.terminate();
      }
      expect(failures, `${failures.length} of ${ROUNDS} rounds failed`).to.deep.equal([]);
    });
  }
});
