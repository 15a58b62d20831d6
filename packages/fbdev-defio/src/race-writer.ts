import { parentPort } from 'node:worker_threads';
import { isKernelError } from './gem.js';
import type { WorkerMappingDescriptor } from './tokens.js';
import { attachFbMapping } from './worker-mapping.js';

/**
 * Worker body of the munmap/cleanup race test: per round it attaches to the mapping it is sent,
 * raises the round number in `signal` (the core starts racing then) and stores k = 1, 2, 3, … in
 * one of three shapes until a store throws; it answers with the bytes of the last store that
 * returned and the error code of the one that did not.
 */
export interface RaceRound {
  desc: WorkerMappingDescriptor;
  signal: SharedArrayBuffer;
  round: number;
  /** 0: aligned setUint32 at 4096; 1: setUint32 at 4094 (across a page boundary); 2: write(6000 bytes) at 1096 */
  shape: number;
}
export interface RaceResult {
  offset: number;
  /** bytes of the last store that returned without error (empty when none did) */
  bytes: Uint8Array;
  code: string;
}

const OFFSETS = [4096, 4094, 1096];

function race({ desc, signal, round, shape }: RaceRound): RaceResult {
  const map = attachFbMapping(desc);
  const flag = new Int32Array(signal);
  const offset = OFFSETS[shape];
  const bytes = new Uint8Array(shape === 2 ? 6000 : 4);
  const words = new Uint32Array(bytes.buffer);
  let last = new Uint8Array(0);
  Atomics.store(flag, 0, round);
  Atomics.notify(flag, 0);
  for (let k = 1; ; k++) {
    words.fill(k);
    try {
      if (shape === 2) map.write(offset, bytes);
      else map.setUint32(offset, k);
    } catch (e) {
      return { offset, bytes: last, code: isKernelError(e) ? e.code : String(e) };
    }
    last = bytes.slice();
  }
}

parentPort?.on('message', (job: RaceRound) => parentPort?.postMessage(race(job)));
