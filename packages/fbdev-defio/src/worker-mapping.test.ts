import { expect } from 'chai';
import { VirtualTimeScheduler } from 'rxjs';
import { isKernelError } from './gem.js';
import { BITMAP, IN_FLIGHT, LIVE_UNMAPPED } from './layout.js';
import { SharedDirtyChannel } from './shared-dirty-channel.js';
import { framebuffer, pagesOf } from './test-fixtures.js';
import type { FbStoreApi } from './tokens.js';
import { attachFbMapping } from './worker-mapping.js';

/** The KernelError code `fn` throws, or 'returned'. */
function outcome(fn: () => unknown): string {
  try {
    fn();
    return 'returned';
  } catch (e) {
    if (isKernelError(e)) return e.code;
    throw e;
  }
}

/**
 * The worker-side mapping, driven from this thread so every step is deterministic: the shared
 * dirty bitmap, the doorbell the core listens to, and the take at writeback.
 */
describe('worker mapping protocol', () => {
  const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
  /** Gives the core's Atomics.waitAsync callback event-loop turns until `done` holds (or 200 turns). */
  async function settle(done: () => boolean = () => false): Promise<boolean> {
    for (let i = 0; i < 200 && !done(); i++) await turn();
    return done();
  }

  function setup(pgoff = 0) {
    const scheduler = new VirtualTimeScheduler();
    const { defio, batches } = framebuffer(4, { delay: 5 }, scheduler);
    const map = defio.mmap(defio.open(), { pgoff, length: (4 - pgoff) * 4096 });
    return { scheduler, defio, batches, map, worker: attachFbMapping(map.share()) };
  }

  it('fsync collects stores whose doorbell the core has not seen yet, then re-enlists after the take', () => {
    const { defio, batches, worker } = setup(2);
    worker.setUint32(4096 + 4, 0x01020304);
    worker.fill(10, 4000, 3);
    defio.fsync();
    expect(batches.map((b) => pagesOf(b))).to.deep.equal([[2, 3]]);
    expect(worker.getUint32(4096 + 4)).to.equal(0x01020304);
    worker.setUint8(0, 1);
    defio.fsync();
    expect(batches.map((b) => pagesOf(b))).to.deep.equal([[2, 3], [2]]);
  });

  it('the doorbell arms the timer at the time the core observes it; later stores do not move it', async () => {
    const { scheduler, defio, batches, worker } = setup();
    scheduler.frame = 7;
    worker.setUint8(4096, 1);
    expect(await settle(() => defio.pending)).to.equal(true);
    scheduler.frame = 9;
    worker.setUint8(2 * 4096, 1);
    await settle();
    scheduler.flush();
    expect(batches.map((b) => [pagesOf(b), b.armedAt, b.flushedAt])).to.deep.equal([[[1, 2], 7, 12]]);
  });

  it('a page written by the main thread and by a worker in one cycle is enlisted once', async () => {
    const { defio, batches, map, worker } = setup();
    map.setUint8(3 * 4096, 1);
    worker.setUint8(3 * 4096 + 1, 2);
    await settle();
    worker.access(0, 10, (view) => view.fill(9));
    defio.fsync();
    expect(batches.map((b) => pagesOf(b))).to.deep.equal([[3, 0]]);
  });

  it('a worker store after the writeback is enlisted for the next cycle, never dropped', async () => {
    const { scheduler, defio, batches, worker } = setup();
    worker.setUint8(0, 1);
    expect(await settle(() => defio.pending)).to.equal(true);
    scheduler.flush();
    expect(defio.pending).to.equal(false);
    worker.setUint8(0, 2);
    expect(await settle(() => defio.pending)).to.equal(true);
    defio.fsync();
    expect(batches.map((b) => pagesOf(b))).to.deep.equal([[0], [0]]);
    expect(worker.getUint8(0)).to.equal(2);
  });

  it('munmap collects the last worker stores; the closed mapping refuses more', () => {
    const { defio, batches, map, worker } = setup();
    worker.setUint16(2 * 4096, 7);
    map.close();
    defio.fsync();
    expect(batches.map((b) => pagesOf(b))).to.deep.equal([[2]]);
    expect(() => worker.setUint8(0, 1)).to.throw('EFAULT');
  });

  it('a store whose value conversion unmaps the mapping throws EFAULT and does not land', () => {
    const { defio, batches, map, worker } = setup();
    // valueOf is user code inside the store call: it must run before the store is admitted
    const unmapThenGive = () => {
      map.close();
      return 0x55;
    };
    const value = { valueOf: unmapThenGive } as unknown as number;
    expect(outcome(() => worker.setUint32(4096, value))).to.equal('EFAULT');
    defio.fsync();
    expect(new DataView(defio.memory.memory).getUint32(4096, true)).to.equal(0);
    expect(batches).to.deep.equal([]);
  });

  for (const path of ['munmap', 'cleanup'] as const) {
    it(`an access whose body outlives ${path} ends with ${path === 'munmap' ? 'EFAULT' : 'SIGBUS'}`, () => {
      const { defio, map, worker } = setup();
      const end = () => (path === 'munmap' ? map.close() : defio.cleanup());
      // its stores landed after the final look: the call must not report success
      const body = (view: Uint8Array) => {
        view.fill(9);
        end();
      };
      const result = outcome(() => worker.access(4096, 8, body));
      expect(result).to.equal(path === 'munmap' ? 'EFAULT' : 'SIGBUS');
    });
  }

  it("each ring raises the doorbell counter, so a ring between the core's look and its wait is not lost", () => {
    const channel = new SharedDirtyChannel(0, 4);
    const memory = new SharedArrayBuffer(4 * 4096);
    const worker = attachFbMapping({
      memory,
      byteOffset: 0,
      length: 4 * 4096,
      pageSize: 4096,
      validStart: 0,
      validEnd: 4 * 4096,
      state: channel.state,
    });
    const enlisted: number[] = [];
    let rings = 0;
    // the store inside the first onRing comes after the core read the doorbell and before it
    // waits: only a changed counter makes the core look again (a bare notify finds no waiter)
    channel.start(() => {
      if (++rings === 1) worker.setUint8(2 * 4096, 1);
      channel.collect((page) => enlisted.push(page));
    });
    expect([rings, enlisted]).to.deep.equal([2, [2]]);
    channel.shutdown(LIVE_UNMAPPED);
  });

  it('single-value stores before the framebuffer start (pgoff < fileBase) are SIGBUS and land nowhere', () => {
    const { defio, batches } = framebuffer(4, { delay: 5 });
    const map = defio.mmap(defio.open(), { pgoff: 0, fileBase: 2, length: 4 * 4096 });
    const worker = attachFbMapping(map.share());
    const stores: [string, (m: FbStoreApi) => void][] = [
      ['setUint8', (m) => m.setUint8(4095, 1)],
      ['setUint16', (m) => m.setUint16(0, 1)],
      ['setUint16 unaligned', (m) => m.setUint16(4097, 1)],
      ['setUint32', (m) => m.setUint32(2 * 4096 - 4, 1)],
      ['setUint32 unaligned', (m) => m.setUint32(2 * 4096 - 2, 1)],
    ];
    const codes = stores.map(([name, store]) => [name, outcome(() => store(worker))]);
    expect(codes).to.deep.equal(stores.map(([name]) => [name, 'SIGBUS']));
    worker.setUint8(2 * 4096, 3); // framebuffer page 0 still works
    defio.fsync();
    expect(batches.map((b) => pagesOf(b))).to.deep.equal([[0]]);
    expect(Buffer.from(defio.memory.memory).filter((b) => b !== 0)).to.deep.equal(Buffer.from([3]));
  });

  describe('zero-length accesses agree with the main-thread mapping', () => {
    const empties: [string, (m: FbStoreApi) => unknown][] = [
      ['write', (m) => m.write(0, new Uint8Array(0))],
      ['fill', (m) => m.fill(0, 0, 1)],
      ['access', (m) => m.access(0, 0, () => {})],
      ['read', (m) => m.read(0, 0)],
    ];
    function both(pgoff: number, fileBase: number) {
      const { defio, batches } = framebuffer(4, { delay: 5 });
      const map = defio.mmap(defio.open(), { pgoff, fileBase, length: 2 * 4096 });
      return { defio, batches, map, worker: attachFbMapping(map.share()) };
    }
    const codes = (m: FbStoreApi) => empties.map(([name, op]) => [name, outcome(() => op(m))]);

    it('after munmap (even at offset 0 of the now empty mapping): EFAULT on both sides', () => {
      // the fast-check model's counterexample: FC_SEED=1538601076 FC_PATH=5347:2:1:4:4:4:4:4
      const { map, worker } = both(0, 0);
      map.close();
      expect([codes(map), codes(worker)]).to.deep.equal([
        empties.map(([name]) => [name, 'EFAULT']),
        empties.map(([name]) => [name, 'EFAULT']),
      ]);
    });

    it('after cleanup and outside the framebuffer: they touch no page, so nothing is raised', () => {
      const before = both(0, 3); // mapping bytes 0..8191 lie before the framebuffer
      const after = both(0, 0);
      after.defio.cleanup();
      const all = [before.map, before.worker, after.map, after.worker].map(codes);
      expect(all).to.deep.equal(all.map(() => empties.map(([name]) => [name, 'returned'])));
      before.defio.fsync();
      expect(before.batches).to.deep.equal([]);
    });
  });

  it('shutdown gives up a store whose thread died inside it instead of blocking forever', () => {
    const channel = new SharedDirtyChannel(0, 4, 1);
    const memory = new SharedArrayBuffer(4 * 4096);
    const desc = {
      memory,
      byteOffset: 0,
      length: 4 * 4096,
      pageSize: 4096,
      validStart: 0,
      validEnd: 4 * 4096,
    };
    const worker = attachFbMapping({ ...desc, state: channel.state });
    // what a worker terminated between announce and leave leaves behind: one store in flight
    Atomics.add(new Int32Array(channel.state), BITMAP, IN_FLIGHT);
    channel.shutdown(LIVE_UNMAPPED);
    expect(outcome(() => worker.setUint8(0, 1))).to.equal('EFAULT');
  });
});
