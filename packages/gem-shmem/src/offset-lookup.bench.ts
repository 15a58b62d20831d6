import type { BenchModule } from '../../../tools/bench.js';
import { GemDevice } from './device.js';

/**
 * Fault-offset resolution: which GEM object does a fake offset fall in? The device answers with
 * a binary search over sorted nodes; the baseline walks every node, as a naive list would.
 */
function scenario(objects: number) {
  const device = new GemDevice();
  const file = device.open();
  const offsets: number[] = [];
  for (let i = 0; i < objects; i++) {
    const { handle } = device.dumbCreate(file, { width: 64 + (i % 7) * 64, height: 64, bpp: 32 });
    offsets.push(device.mapDumb(file, handle) + 4096 * (i % 4));
  }
  const nodes = device.offsets.list();
  const pageSize = device.geometry.size;
  let k = 0;
  let sink = 0;
  const linear = () => {
    const page = Math.floor(offsets[k++ % objects] / pageSize);
    for (const n of nodes) {
      if (page >= n.start && page < n.start + n.pages) {
        sink += n.pages;
        break;
      }
    }
  };
  const indexed = () => {
    sink += device.objectAt(offsets[k++ % objects])!.pageCount;
  };
  return { linear, indexed, sink: () => sink };
}

export default {
  suites: () =>
    [64, 4096].map((objects) => {
      const s = scenario(objects);
      return {
        title: `fake-offset → GEM object lookup, ${objects} objects`,
        detail: 'One lookup per call, offsets spread over all objects (fault-offset resolution).',
        baseline: { name: 'linear scan over nodes', fn: s.linear },
        cases: [{ name: 'GemDevice.objectAt (binary search)', fn: s.indexed }],
      };
    }),
} satisfies BenchModule;
