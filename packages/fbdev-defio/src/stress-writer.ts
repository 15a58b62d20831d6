import { parentPort, workerData } from 'node:worker_threads';
import type { WorkerMappingDescriptor } from './tokens.js';
import { attachFbMapping } from './worker-mapping.js';

/**
 * Worker body of the "nothing lost" stress tests (this package's and fbdev-drivers', exported as
 * `@fbemu/fbdev-defio/stress-writer`): random 32-bit stores, spans, fills and
 * bracketed accesses through a shared mapping, driven by a seeded xorshift generator.
 */
interface StressJob {
  desc: WorkerMappingDescriptor;
  seed: number;
  operations: number;
}

const job = workerData as StressJob;
const map = attachFbMapping(job.desc);
let state = job.seed | 1;
const next = (): number => {
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  return state >>> 0;
};

const start = job.desc.validStart;
const span = job.desc.validEnd - start;
const scratch = new Uint8Array(3000);
const TICK = 256;
for (let i = 0; i < job.operations; i++) {
  // progress drives the core's virtual clock: one frame per TICK operations
  if (i % TICK === 0) parentPort?.postMessage('tick');
  const kind = next() & 7;
  const offset = start + (next() % span);
  if (kind < 5) map.setUint32(start + ((next() % (span >>> 2)) << 2), next());
  else if (kind === 5) {
    const length = Math.min(scratch.length, start + span - offset);
    scratch.fill(next() & 255);
    map.write(offset, scratch.subarray(0, length));
  } else if (kind === 6) map.fill(offset, Math.min(5000, start + span - offset), next() & 255);
  else {
    const value = next() & 255;
    map.access(offset, Math.min(777, start + span - offset), (view) => view.fill(value));
  }
}
