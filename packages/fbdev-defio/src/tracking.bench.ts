import { VirtualTimeScheduler } from 'rxjs';
import type { BenchModule, BenchSuite } from '../../../tools/bench.js';
import { FbDeferredIo } from './fb-deferred-io.js';
import { fbInfo } from './test-fixtures.js';
import { attachFbMapping } from './worker-mapping.js';

/**
 * Tracked stores through an FbMapping vs raw TypedArray stores on the same memory, 3840×2160×4.
 * No writeback runs inside the timed loops (virtual time never advances), so after the first
 * pass every page is writable: this is the steady-state cost of a store. One extra case pays a
 * full cycle (fault per page + writeback) per frame.
 */
const W = 3840;
const H = 2160;
const BYTES = W * H * 4;
const PIXELS = W * H;

function setup() {
  const defio = new FbDeferredIo(fbInfo(BYTES), { delay: 50 }, new VirtualTimeScheduler());
  const map = defio.mmap(defio.open(), { length: BYTES });
  const raw = new Uint8Array(new SharedArrayBuffer(BYTES));
  return { defio, map, raw, raw32: new Uint32Array(raw.buffer) };
}

function perPixel(): BenchSuite {
  const { defio, map, raw32 } = setup();
  const worker = attachFbMapping(map.share());
  let v = 0;
  return {
    title: 'per-pixel 32-bit stores, full 4K frame',
    detail: `${PIXELS} stores per task; ratio = raw time / tracked time (goal: tracked ≤ 3× raw time)`,
    baseline: {
      name: 'raw Uint32Array stores',
      fn: () => {
        v++;
        for (let i = 0; i < PIXELS; i++) raw32[i] = i + v;
      },
    },
    cases: [
      {
        name: 'FbMapping.setUint32 (main thread)',
        goal: { min: 1 / 3, text: 'per-pixel ≤ 3× raw time' },
        fn: () => {
          v++;
          for (let i = 0; i < PIXELS; i++) map.setUint32(i << 2, i + v);
        },
      },
      {
        name: 'FbMapping.setUint32 + fsync each frame (faults + writeback)',
        fn: () => {
          v++;
          for (let i = 0; i < PIXELS; i++) map.setUint32(i << 2, i + v);
          defio.fsync();
        },
      },
      {
        name: 'WorkerFbMapping.setUint32 (announce + compare-exchange per store; no goal)',
        fn: () => {
          v++;
          for (let i = 0; i < PIXELS; i++) worker.setUint32(i << 2, i + v);
        },
      },
    ],
  };
}

function spans(): BenchSuite {
  const { map, raw } = setup();
  const worker = attachFbMapping(map.share());
  const SPAN = 16 * 1024;
  const src = new Uint8Array(SPAN).map((_, i) => i);
  return {
    title: '16 KiB spans (write), full 4K frame',
    detail: `${BYTES / SPAN} spans of ${SPAN} bytes per task (goal ≥ 0.9× raw)`,
    baseline: {
      name: 'raw Uint8Array.set',
      fn: () => {
        for (let o = 0; o < BYTES; o += SPAN) raw.set(src, o);
      },
    },
    cases: [
      {
        name: 'FbMapping.write',
        goal: { min: 0.9, text: 'spans ≥ 0.9× raw' },
        fn: () => {
          for (let o = 0; o < BYTES; o += SPAN) map.write(o, src);
        },
      },
      {
        name: 'WorkerFbMapping.write',
        fn: () => {
          for (let o = 0; o < BYTES; o += SPAN) worker.write(o, src);
        },
      },
    ],
  };
}

function bracketed(): BenchSuite {
  const { map, raw } = setup();
  const ROW = W * 4;
  const paint = (view: Uint8Array, v: number) => {
    const px = new Uint32Array(view.buffer, view.byteOffset, view.byteLength >>> 2);
    for (let i = 0; i < px.length; i++) px[i] = i ^ v;
  };
  let v = 0;
  // one body for all rows, as a drawing loop would pass it (no closure allocated per call)
  const body = (view: Uint8Array) => paint(view, v);
  return {
    title: 'bracketed raw access, one access() per 4K row',
    detail: `${H} rows of ${ROW} bytes painted pixel by pixel inside the bracket (goal ≥ 0.9× raw)`,
    baseline: {
      name: 'raw row views',
      fn: () => {
        v++;
        for (let y = 0; y < H; y++) paint(raw.subarray(y * ROW, (y + 1) * ROW), v);
      },
    },
    cases: [
      {
        name: 'FbMapping.access',
        goal: { min: 0.9, text: 'bracketed ≥ 0.9× raw' },
        fn: () => {
          v++;
          for (let y = 0; y < H; y++) map.access(y * ROW, ROW, body);
        },
      },
    ],
  };
}

export default {
  suites: () => [perPixel(), spans(), bracketed()],
} satisfies BenchModule;
