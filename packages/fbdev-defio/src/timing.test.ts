import { expect } from 'chai';
import { map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { FbDeferredIo } from './fb-deferred-io.js';
import type { FbMapping } from './fb-mapping.js';
import { fbInfo, pagesOf } from './test-fixtures.js';

/**
 * Marble tests of the writeback timing (virtual time, 1 frame = 1 ms). Each batch is shown as
 * "pages@armedAt" so the marbles also check when the timer was armed.
 */
describe('deferred-I/O timing (marbles)', () => {
  let scheduler: TestScheduler;
  beforeEach(() => {
    scheduler = new TestScheduler((actual, expected) => {
      expect(actual).to.deep.equal(expected);
    });
  });

  function setup(
    delay: number,
    pages = 4,
  ): { defio: FbDeferredIo; map: FbMapping; file: ReturnType<FbDeferredIo['open']> } {
    const defio = new FbDeferredIo(fbInfo(pages * 4096), { delay }, scheduler);
    const file = defio.open();
    return { defio, file, map: defio.mmap(file, { length: pages * 4096 }) };
  }

  const at = (frame: number, work: () => void) => scheduler.schedule(work, frame);
  const shown = (defio: FbDeferredIo) =>
    defio.pagerefs$.pipe(map((b) => `${pagesOf(b).join(',')}@${b.armedAt}>${b.flushedAt}#${b.cycle}`));

  it('the first write arms the timer; later writes never push the deadline back', () => {
    scheduler.run(({ expectObservable }) => {
      const { defio, map: m } = setup(5);
      at(1, () => m.setUint32(0, 1));
      at(3, () => m.setUint32(4096, 1));
      at(5, () => m.setUint32(8192, 1));
      expectObservable(shown(defio)).toBe('------a', { a: '0,1,2@1>6#1' });
    });
  });

  it('coalesces every store to a page within a cycle into one pageref', () => {
    scheduler.run(({ expectObservable }) => {
      const { defio, map: m } = setup(4);
      for (let t = 0; t < 4; t++) at(t, () => m.fill(t * 8, 8, t + 1));
      at(2, () => m.setUint8(4096 * 3, 1));
      expectObservable(shown(defio)).toBe('----a', { a: '0,3@0>4#1' });
    });
  });

  it('a store to a flushed page enlists it again and arms a new cycle from that store', () => {
    scheduler.run(({ expectObservable }) => {
      const { defio, map: m } = setup(3);
      at(0, () => m.setUint8(0, 1));
      at(1, () => m.setUint8(1, 1));
      at(4, () => m.setUint8(2, 1));
      at(9, () => m.setUint8(3, 1));
      expectObservable(shown(defio)).toBe('---a---b----c', {
        a: '0@0>3#1',
        b: '0@4>7#2',
        c: '0@9>12#3',
      });
    });
  });

  it('fsync runs a pending writeback at once and does nothing when none is pending', () => {
    scheduler.run(({ expectObservable }) => {
      const { defio, map: m } = setup(10);
      at(1, () => defio.fsync());
      at(2, () => m.setUint8(0, 1));
      at(4, () => defio.fsync());
      at(5, () => defio.fsync());
      at(6, () => m.setUint8(4096, 1));
      expectObservable(shown(defio)).toBe('----a-----------b', { a: '0@2>4#1', b: '1@6>16#2' });
    });
  });

  it('the last release flushes pending work instead of discarding it', () => {
    scheduler.run(({ expectObservable }) => {
      const defio = new FbDeferredIo(fbInfo(4 * 4096), { delay: 10 }, scheduler);
      const f1 = defio.open();
      const f2 = defio.open();
      const m = defio.mmap(f1, { length: 4096 });
      at(1, () => m.setUint8(0, 1));
      at(2, () => defio.release(f2));
      at(3, () => m.close());
      at(4, () => defio.release(f1));
      expectObservable(shown(defio)).toBe('----a', { a: '0@1>4#1' });
    });
  });

  it('cleanup flushes and completes the stream; nothing runs afterwards', () => {
    scheduler.run(({ expectObservable }) => {
      const { defio, map: m } = setup(10);
      at(2, () => m.setUint8(4096 * 2, 1));
      at(5, () => defio.cleanup());
      at(7, () => {
        expect(() => m.setUint8(0, 1)).to.throw('SIGBUS');
      });
      expectObservable(shown(defio)).toBe('-----(a|)', { a: '2@2>5#1' });
    });
  });
});
