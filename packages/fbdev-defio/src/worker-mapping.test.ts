import { expect } from 'chai';
import { VirtualTimeScheduler } from 'rxjs';
import { framebuffer, pagesOf } from './test-fixtures.js';
import { attachFbMapping } from './worker-mapping.js';

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
});
