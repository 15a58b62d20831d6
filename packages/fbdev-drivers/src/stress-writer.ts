import { parentPort, workerData } from 'node:worker_threads';
import { attachFbMapping, type WorkerMappingDescriptor } from '@fbemu/fbdev-defio';

/**
 * Worker body of the drivers' "nothing lost" stress test: random 32-bit stores, short fills and
 * row writes through a shared mapping (xorshift, seeded), with a progress message every 256
 * operations that drives the main thread's virtual clock.
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
const length = map.length;
const row = new Uint8Array(600);
for (let i = 0; i < job.operations; i++) {
  if (i % 256 === 0) parentPort?.postMessage('tick');
  const kind = next() & 3;
  const offset = next() % (length - row.length);
  if (kind < 2) map.setUint32(offset & ~3, next());
  else if (kind === 2) map.fill(offset, 1 + (next() % 300), next() & 255);
  else {
    row.fill(next() & 255);
    map.write(offset, row.subarray(0, 1 + (next() % row.length)));
  }
}
