import { Worker } from 'node:worker_threads';
import { expect } from 'chai';
import { VirtualTimeScheduler } from 'rxjs';
import { FbDeferredIo } from './fb-deferred-io.js';
import { fbInfo } from './test-fixtures.js';
import type { WorkerMappingDescriptor } from './tokens.js';

/**
 * "Nothing lost": four worker threads store random patterns through shared mappings while the
 * core flushes in (virtual) time; a consumer copies the pages of every batch into a separate
 * buffer. After the final flush that copy must equal the framebuffer byte for byte. The main
 * thread stores nothing here, so only the worker protocol can re-dirty a copied page.
 */
const PAGES = 64;
const PS = 4096;
const WORKERS = 4;
const OPERATIONS = 100_000;

/** Starts a writer; `onTick` runs on its progress messages (every 256 operations). */
function startWriter(desc: WorkerMappingDescriptor, seed: number, onTick: () => void): Promise<void> {
  const worker = new Worker(new URL('./stress-writer.js', import.meta.url), {
    workerData: { desc, seed, operations: OPERATIONS },
  });
  worker.on('message', onTick);
  return new Promise((resolve, reject) => {
    worker.on('error', reject);
    worker.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`writer exited with ${code}`))));
  });
}

async function stress(seed: number, sortPagereflist: boolean): Promise<{ batches: number; copied: number }> {
  const scheduler = new VirtualTimeScheduler();
  const defio = new FbDeferredIo(fbInfo(PAGES * PS), { delay: 3, sortPagereflist }, scheduler);
  const copy = new Uint8Array(PAGES * PS);
  let batches = 0;
  let copied = 0;
  defio.pagerefs$.subscribe((batch) => {
    batches++;
    for (const ref of batch.pagerefs) copy.set(ref.page.bytes, ref.offset);
    copied += batch.pagerefs.length;
  });
  const file = defio.open();
  const whole = defio.mmap(file, { length: PAGES * PS });
  const upper = defio.mmap(file, { pgoff: PAGES / 2, length: (PAGES / 2) * PS });
  const shared = [
    whole.share(),
    whole.share(),
    upper.share(),
    defio.mmap(file, { length: PAGES * PS }).share(),
  ];
  // virtual time advances one frame per writer progress message; due writebacks run then
  const advance = () => {
    scheduler.maxFrames = scheduler.frame + 1;
    scheduler.flush();
    scheduler.frame = scheduler.maxFrames;
  };
  await Promise.all(shared.map((desc, i) => startWriter(desc, seed * 31 + i, advance)));
  defio.fsync();
  expect(Buffer.from(copy).equals(Buffer.from(defio.memory.memory)), `seed ${seed}: copy differs`).to.equal(
    true,
  );
  defio.cleanup();
  return { batches, copied };
}

describe('worker threads: nothing lost', function () {
  this.timeout(60_000);
  for (const [seed, sorted] of [
    [1, false],
    [2, true],
    [3, false],
  ] as const) {
    it(`${WORKERS} writers, seed ${seed}${sorted ? ', sorted' : ''}: the batch copy equals the framebuffer`, async () => {
      const { batches, copied } = await stress(seed, sorted);
      expect(batches).to.be.greaterThan(1);
      expect(copied).to.be.greaterThan(PAGES);
    });
  }
});
