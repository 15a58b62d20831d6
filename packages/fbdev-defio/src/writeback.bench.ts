import { VirtualTimeScheduler } from 'rxjs';
import type { BenchModule, BenchSuite } from '../../../tools/bench.js';
import { DirtyList } from './dirty-list.js';
import { FbDeferredIo } from './fb-deferred-io.js';
import type { FbMapping } from './fb-mapping.js';
import { fbInfo } from './test-fixtures.js';

/**
 * Writeback cost: one cycle = a store to each of n pages (n mkwrite faults) + fsync (mkclean in
 * every mapping, drain, batch). It must grow with n, not with the framebuffer size. Plus the
 * sorted drain against the kernel's O(n²) sorted insertion, and page tracking against the
 * full-frame shadow compare a poller needs to find the same damage.
 */
const PS = 4096;
const FOUR_K = 3840 * 2160 * 4; // 8100 pages
const VGA = 640 * 480 * 4; // 75 pages

function cycle(bytes: number, dirty: number, sortPagereflist = false): () => void {
  const defio = new FbDeferredIo(fbInfo(bytes), { delay: 50, sortPagereflist }, new VirtualTimeScheduler());
  const map: FbMapping = defio.mmap(defio.open(), { length: bytes });
  const pages = defio.pagerefs.length;
  const order = Int32Array.from({ length: dirty }, (_, i) => ((i * 7919) % pages) * PS);
  let v = 0;
  return () => {
    v++;
    for (let i = 0; i < order.length; i++) map.setUint32(order[i], v);
    defio.fsync();
  };
}

function growth(): BenchSuite {
  return {
    title: 'writeback cycle vs dirty pages (4K framebuffer, 8100 pages)',
    detail: 'speed vs 8100 dirty pages: should scale ~linearly with the dirty-page count',
    baseline: { name: '8100 dirty pages', fn: cycle(FOUR_K, 8100) },
    cases: [
      { name: '810 dirty pages', fn: cycle(FOUR_K, 810) },
      { name: '81 dirty pages', fn: cycle(FOUR_K, 81) },
      { name: '8 dirty pages', fn: cycle(FOUR_K, 8) },
    ],
  };
}

function sizeIndependence(): BenchSuite {
  return {
    title: 'writeback cycle of 64 dirty pages vs framebuffer size',
    detail:
      'same dirty-page count on a 640×480 and a 3840×2160 framebuffer (goal: ≈ 1×, band 0.8–1.25; ' +
      'the 4K pages are spread over 33 MB, so cache and TLB misses alone may cost a little)',
    baseline: { name: '64 pages dirty on 640×480×4 (75 pages)', fn: cycle(VGA, 64) },
    cases: [
      {
        name: '64 pages dirty on 3840×2160×4 (8100 pages)',
        goal: {
          min: 0.8,
          max: 1.25,
          text: '≈ 1× (0.8–1.25): cost follows dirty pages, not framebuffer size',
        },
        fn: cycle(FOUR_K, 64),
      },
    ],
  };
}

function sortedVsUnsorted(): BenchSuite {
  return {
    title: 'sorted vs unsorted pagereflist, 8100 dirty pages (4K)',
    baseline: { name: 'unsorted (first-dirtied order)', fn: cycle(FOUR_K, 8100) },
    cases: [
      {
        name: 'sorted (dirty-bitmap walk)',
        goal: { min: 1 / 1.1, text: 'sorted ≤ 1.1× unsorted time' },
        fn: cycle(FOUR_K, 8100, true),
      },
      { name: 'sorted, 81 pages (short-list sort)', fn: cycle(FOUR_K, 81, true) },
    ],
  };
}

/** The kernel's sorted enlist: walk the list from the head, insert before the first larger offset. */
function kernelSortedInsertion(order: Int32Array): () => void {
  const n = order.length;
  const next = new Int32Array(n + 1);
  const offsets = new Int32Array(n + 1);
  return () => {
    next[0] = -1; // node 0 is the list head
    for (let k = 0; k < n; k++) {
      const node = k + 1;
      offsets[node] = order[k];
      let prev = 0;
      while (next[prev] !== -1 && offsets[next[prev]] <= order[k]) prev = next[prev];
      next[node] = next[prev];
      next[prev] = node;
    }
  };
}

function versusKernel(): BenchSuite {
  const pages = FOUR_K / PS;
  const order = Int32Array.from({ length: pages }, (_, i) => ((i * 7919) % pages) * PS);
  const list = new DirtyList(pages);
  const out = new Int32Array(pages);
  return {
    title: 'sorted enlist of 8100 dirty pages: fbemu vs the kernel O(n²) insertion',
    baseline: { name: 'kernel: sorted list insertion', fn: kernelSortedInsertion(order) },
    cases: [
      {
        name: 'fbemu: enlist + bitmap-walk drain',
        goal: { min: 50, text: '≥ 50× faster than O(n²) insertion' },
        fn: () => {
          for (let i = 0; i < order.length; i++) list.add(order[i] / PS);
          list.drain(true, out);
        },
      },
    ],
  };
}

function changeDetection(): BenchSuite {
  const frame = new Uint8Array(FOUR_K);
  const shadow = new Uint8Array(FOUR_K);
  const frameBuf = Buffer.from(frame.buffer);
  const shadowBuf = Buffer.from(shadow.buffer);
  const rowBytes = 3840 * 4;
  let changedRows = 0;
  return {
    title: 'change detection at 1% damage on 4K (81 of 8100 pages)',
    detail: 'tracking = 81 mkwrite faults + writeback; poller = memcmp of every row against a shadow copy',
    baseline: {
      name: 'shadow compare of the whole frame (per-row memcmp)',
      fn: () => {
        changedRows = 0;
        for (let o = 0; o < FOUR_K; o += rowBytes) {
          if (frameBuf.compare(shadowBuf, o, o + rowBytes, o, o + rowBytes) !== 0) changedRows++;
        }
        return changedRows;
      },
    },
    cases: [
      {
        name: 'page tracking (fault + writeback)',
        goal: { min: 100, text: '≥ 100× cheaper than a shadow compare' },
        fn: cycle(FOUR_K, 81),
      },
    ],
  };
}

export default {
  suites: () => [growth(), sizeIndependence(), sortedVsUnsorted(), versusKernel(), changeDetection()],
} satisfies BenchModule;
