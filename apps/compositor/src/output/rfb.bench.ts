import 'reflect-metadata';
import { Rect } from '@fbemu/drm-fb-helper';
import type { BenchModule, MetricRow } from '../../../../tools/bench.js';
import { encodeUpdate } from './rfb/encoder.js';
import { PixelConverter, type PixelFormat, SERVER_PIXEL_FORMAT } from './rfb/pixel-format.js';
import { Encoding } from './rfb/protocol.js';
import type { RfbOptions, RfbServer } from './rfb/server.js';
import {
  makeFrame,
  moveBlock,
  NOVNC_RGBX,
  RGB565_LE,
  startServer,
  type TestFrame,
} from './rfb/test-support.js';
import type { ByteTransport, TransportSink } from './rfb/transport.js';

const W = 1280;
const H = 800;

/** An in-process transport that counts what the server writes and flushes at once. */
class CountingTransport implements ByteTransport {
  readonly kind = 'tcp';
  readonly remote = 'bench';
  readonly bufferedBytes = 0;
  bytes = 0;
  sink!: TransportSink;
  listen(sink: TransportSink): void {
    this.sink = sink;
  }
  write(b: Uint8Array, flushed: () => void): void {
    this.bytes += b.byteLength;
    flushed();
  }
  close(): void {}
  destroy(): void {}
}

function request(incremental: boolean): Buffer {
  const b = Buffer.from([3, incremental ? 1 : 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  b.writeUInt16BE(W, 6);
  b.writeUInt16BE(H, 8);
  return b;
}

/** A client past its first full frame, attached in-process. */
function client(server: RfbServer, encodings: number[]): CountingTransport {
  const t = new CountingTransport();
  server.accept(t);
  const enc = Buffer.alloc(4 + 4 * encodings.length);
  enc[0] = 2;
  enc.writeUInt16BE(encodings.length, 2);
  for (const [i, e] of encodings.entries()) enc.writeInt32BE(e, 4 + 4 * i);
  t.sink.data(Buffer.concat([Buffer.from('RFB 003.008\n\x01\x01'), enc, request(false)]));
  return t;
}

/** Deterministic pseudo-random integers (LCG), so every run damages the same rects. */
function lcg(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
}

const UPDATES = 50;
const RECTS_PER_UPDATE = 12;

/** Mean bytes per update for a scattered workload: each update, 12 rects of 8..64 px anywhere on screen. */
async function scatteredBytes(options: Partial<RfbOptions>): Promise<number> {
  const frame = makeFrame(W, H, 0, 0);
  const server = await startServer(frame, { listenTcp: false, ...options });
  const t = client(server, [Encoding.Raw]);
  const rnd = lcg(42);
  const start = t.bytes;
  for (let u = 0; u < UPDATES; u++) {
    const rects: Rect[] = [];
    for (let i = 0; i < RECTS_PER_UPDATE; i++) {
      const w = 8 + rnd(57);
      const h = 8 + rnd(57);
      const x = rnd(W - w);
      const y = rnd(H - h);
      rects.push(new Rect(x, y, x + w, y + h));
    }
    server.damage(rects);
    t.sink.data(request(true));
  }
  await server.close();
  return (t.bytes - start) / UPDATES;
}

/** Mean bytes per update when a 256×256 window moves 16 px right each update (CopyRect or Raw). */
async function windowMoveBytes(encodings: number[]): Promise<number> {
  const frame = makeFrame(W, H, 0, 0);
  const server = await startServer(frame, { listenTcp: false });
  const t = client(server, encodings);
  const start = t.bytes;
  for (let u = 0; u < UPDATES; u++) {
    const x = 100 + 16 * u;
    const src = new Rect(x, 200, x + 256, 456);
    moveBlock(frame, src, x + 16, 200);
    server.copyRect(src, x + 16, 200);
    server.damage([new Rect(x, 200, x + 16, 456)]); // the strip the move uncovered
    t.sink.data(request(true));
  }
  await server.close();
  return (t.bytes - start) / UPDATES;
}

/** What a server without damage tracking sends: the whole frame per update. */
async function fullFrameBytes(): Promise<number> {
  const frame = makeFrame(W, H, 0, 0);
  const server = await startServer(frame, { listenTcp: false });
  const t = client(server, [Encoding.Raw]);
  const start = t.bytes;
  for (let u = 0; u < UPDATES; u++) t.sink.data(request(false));
  await server.close();
  return (t.bytes - start) / UPDATES;
}

function encodeFull(frame: TestFrame, pf: PixelFormat): () => unknown {
  const conv = new PixelConverter(pf);
  const raw = {
    forEachRect: (fn: (x1: number, y1: number, x2: number, y2: number) => void) =>
      fn(0, 0, frame.width, frame.height),
  };
  // the session reuses the previous update's buffer once the transport has flushed it
  let spare: Buffer | undefined;
  return () => {
    spare = encodeUpdate(frame, conv, { copies: [], raw: raw as never }, spare).bytes;
  };
}

export default {
  suites: () => {
    const frame = makeFrame(W, H, 0, 16);
    const copy = new Uint32Array(W * H);
    return [
      {
        title: 'RFB Raw encoding of a full 1280×800 frame',
        detail:
          'one FramebufferUpdate (header + rows converted into a fresh buffer) vs copying the frame rows into a preallocated array',
        baseline: {
          name: 'TypedArray.set of the 800 rows',
          fn: () => {
            for (let y = 0; y < H; y++)
              copy.set(frame.pixels.subarray(y * frame.stride, y * frame.stride + W), y * W);
          },
        },
        cases: [
          { name: 'Raw, server pixel format (row copy)', fn: encodeFull(frame, SERVER_PIXEL_FORMAT) },
          {
            name: "Raw, noVNC's RGBX pixel format (per-pixel shifts)",
            fn: encodeFull(frame, NOVNC_RGBX),
            unlike: 'converts every pixel where the baseline copies rows',
          },
          {
            name: 'Raw, RGB565 (lookup tables)',
            fn: encodeFull(frame, RGB565_LE),
            unlike: 'converts every pixel where the baseline copies rows',
          },
        ],
      },
    ];
  },
  metrics: async () => {
    const full = await fullFrameBytes();
    const rows: MetricRow[] = [
      { name: 'damage rects (cap 32)', value: await scatteredBytes({ maxRectsPerUpdate: 32 }) },
      {
        name: 'damage rects (cap 4, bounding box above)',
        value: await scatteredBytes({ maxRectsPerUpdate: 4 }),
      },
      { name: 'one bounding box (cap 1)', value: await scatteredBytes({ maxRectsPerUpdate: 1 }) },
    ];
    return [
      {
        title: 'RFB bytes per update, scattered damage at 1280×800',
        detail: `${UPDATES} updates of ${RECTS_PER_UPDATE} random 8..64 px rects each, Raw encoding, vs sending the full frame`,
        unit: 'bytes/update',
        baseline: { name: 'full frame per update', value: full },
        rows,
      },
      {
        title: 'RFB bytes per update, a 256×256 window moving 16 px per update',
        detail:
          'CopyRect for the moved window + Raw for the uncovered strip, vs Raw for both, vs full frames',
        unit: 'bytes/update',
        baseline: { name: 'full frame per update', value: full },
        rows: [
          {
            name: 'CopyRect + uncovered strip',
            value: await windowMoveBytes([Encoding.CopyRect, Encoding.Raw]),
          },
          { name: 'Raw only (client without CopyRect)', value: await windowMoveBytes([Encoding.Raw]) },
        ],
      },
    ];
  },
} satisfies BenchModule;
