import { GemDevice, type GemShmemObject } from '@fbemu/gem-shmem';
import { expect } from 'chai';
import fc from 'fast-check';
import { VirtualTimeScheduler } from 'rxjs';
import { FbDeferredIo } from './fb-deferred-io.js';
import { isKernelError, type Page } from './gem.js';
import { fbInfo } from './test-fixtures.js';

/**
 * A GEM object is the framebuffer (drm_fbdev_shmem: get_page returns the object's pages). The
 * same write trace through mappings of the object mounted at different fake offsets must give
 * the same pageref offsets, while page.index (the pgoff the page was faulted through) differs.
 */
const PS = 4096;
const PAGES = 8;

interface Store {
  page: number;
  byte: number;
  flush: boolean;
}

function getPageOf(object: GemShmemObject): (offset: number) => Page | undefined {
  return (offset) => {
    try {
      return object.page(offset / PS);
    } catch (e) {
      if (isKernelError(e)) return undefined;
      throw e;
    }
  };
}

/** Runs `trace` through a mapping of the object mounted at page `mountPage`, starting at object page `from`. */
function runTrace(
  mountPage: number,
  from: number,
  trace: Store[],
): { offsets: number[][]; indexes: number[][] } {
  const device = new GemDevice({ offsetWindow: { startPage: 0, pages: 1 << 30 } });
  const object = device.createObject(PAGES * PS);
  object.getPages();
  device.mountObject(object, mountPage * PS);
  const fileBase = device.offsetOf(object) / PS;
  const defio = new FbDeferredIo(
    fbInfo(PAGES * PS),
    { getPage: getPageOf(object), delay: 10 },
    new VirtualTimeScheduler(),
  );
  const offsets: number[][] = [];
  const indexes: number[][] = [];
  defio.pagerefs$.subscribe((b) => {
    offsets.push(b.pagerefs.map((p) => p.offset));
    indexes.push(b.pagerefs.map((p) => p.page.index));
  });
  const map = defio.mmap(defio.open(), { pgoff: fileBase + from, fileBase, length: (PAGES - from) * PS });
  for (const s of trace) {
    map.setUint8((s.page - from) * PS + s.byte, s.byte);
    if (s.flush) defio.fsync();
  }
  defio.fsync();
  return { offsets, indexes };
}

describe('GEM object mounted at different fake offsets', () => {
  it('gives identical pageref offsets and page.index = mount + page', () => {
    const trace = fc.array(
      fc.record({
        page: fc.integer({ min: 2, max: PAGES - 1 }),
        byte: fc.nat({ max: PS - 1 }),
        flush: fc.boolean(),
      }),
      { minLength: 1, maxLength: 30 },
    );
    const mount = fc.integer({ min: 1, max: 2 ** 24 });
    fc.assert(
      fc.property(trace, mount, fc.integer({ min: 0, max: 2 }), (stores, mountPage, from) => {
        const atZero = runTrace(0, from, stores);
        const elsewhere = runTrace(mountPage, from, stores);
        expect(elsewhere.offsets).to.deep.equal(atZero.offsets);
        const pageNumbers = atZero.offsets.map((batch) => batch.map((o) => o / PS));
        expect(atZero.indexes).to.deep.equal(pageNumbers);
        expect(elsewhere.indexes).to.deep.equal(pageNumbers.map((batch) => batch.map((n) => n + mountPage)));
      }),
      { numRuns: 200 },
    );
  });

  it('the stores land in the GEM object at the pageref offset', () => {
    const device = new GemDevice();
    const object = device.createObject(PAGES * PS);
    object.getPages();
    const fileBase = device.offsetOf(object) / PS;
    const defio = new FbDeferredIo(
      fbInfo(PAGES * PS),
      { getPage: getPageOf(object) },
      new VirtualTimeScheduler(),
    );
    const map = defio.mmap(defio.open(), { pgoff: fileBase + 3, fileBase, length: 2 * PS });
    map.setUint32(PS + 8, 0xcafef00d);
    const view = new DataView(object.vmap().buffer);
    expect(view.getUint32(4 * PS + 8, true)).to.equal(0xcafef00d);
  });

  it('a purged object faults with SIGBUS', () => {
    const device = new GemDevice();
    const object = device.createObject(PAGES * PS);
    object.getPages();
    const defio = new FbDeferredIo(
      fbInfo(PAGES * PS),
      { getPage: getPageOf(object) },
      new VirtualTimeScheduler(),
    );
    const map = defio.mmap(defio.open(), { length: PAGES * PS });
    object.putPages();
    expect(object.madvise(1)).to.equal(true);
    object.purge();
    expect(() => map.setUint8(0, 1)).to.throw('SIGBUS');
    expect(defio.pending).to.equal(false);
  });
});
