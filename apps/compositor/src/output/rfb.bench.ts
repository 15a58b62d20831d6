import 'reflect-metadata';
import { spawnSync } from 'node:child_process';
import { Rect } from '@fbemu/drm-fb-helper';
import { SCHEDULER } from '@fbemu/fbdev-defio';
import { Container, ContainerModule } from 'inversify';
import { asyncScheduler } from 'rxjs';
import type { BenchModule, MetricRow } from '../../../../tools/bench.js';
import { CompositorApp } from '../app/app.js';
import { createAppContainer } from '../app/container.js';
import { realTimeScheduler } from '../app/real-time-scheduler.js';
import { DEFAULT_SCENE } from '../config/scene-config.js';
import { encodeUpdate } from './rfb/encoder.js';
import { SessionEncoders } from './rfb/encodings.js';
import {
  encodePixelFormat,
  PixelConverter,
  type PixelFormat,
  SERVER_PIXEL_FORMAT,
} from './rfb/pixel-format.js';
import { Encoding } from './rfb/protocol.js';
import { DEFAULT_RFB_OPTIONS, type RfbOptions, RfbServer } from './rfb/server.js';
import { ShadowFrame } from './rfb/shadow.js';
import { photoPixel } from './rfb/test-scenarios.js';
import {
  fillRect,
  makeFrame,
  moveBlock,
  NOVNC_RGBX,
  RGB565_LE,
  startServer,
  type TestFrame,
} from './rfb/test-support.js';
import type { ByteTransport, TransportSink } from './rfb/transport.js';
import { OUTPUTS, RFB_OPTIONS } from './tokens.js';

const W = 1280;
const H = 800;

/** An in-process transport that counts what the server writes and flushes at once. */
class CountingTransport implements ByteTransport {
  readonly kind = 'tcp';
  readonly remote = 'bench';
  readonly address = 'bench';
  readonly bufferedBytes = 0;
  bytes = 0;
  sink!: TransportSink;
  listen(sink: TransportSink): void {
    this.sink = sink;
  }
  /** when set, every FramebufferUpdate is answered with an incremental request (a live viewer) */
  autoRequest = false;
  updates = 0;
  write(b: Uint8Array, flushed: () => void): void {
    this.bytes += b.byteLength;
    if (this.autoRequest && b[0] === 0 && b.byteLength >= 4) {
      this.updates++;
      queueMicrotask(() => this.sink.data(request(true)));
    }
    flushed();
  }
  close(): void {}
  destroy(): void {}
  pause(): void {}
  resume(): void {}
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
  t.sink.data(Buffer.concat([Buffer.from('RFB 003.008\n\x01\x01'), setEncodings(encodings), request(false)]));
  return t;
}

function setEncodings(encodings: number[]): Buffer {
  const enc = Buffer.alloc(4 + 4 * encodings.length);
  enc[0] = 2;
  enc.writeUInt16BE(encodings.length, 2);
  for (const [i, e] of encodings.entries()) enc.writeInt32BE(e, 4 + 4 * i);
  return enc;
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
  // The damage covers unchanged pixels: this measures damage tracking, so nothing is refined away.
  const server = await startServer(frame, { listenTcp: false, refineDamage: false, ...options });
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
  // The uncovered strip keeps its pixels here (a compositor would repaint it): not refined away.
  const server = await startServer(frame, { listenTcp: false, refineDamage: false });
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

const SCENE_MS = 4000;

/**
 * The default scene (three clients drawing in worker threads, 1280×800) in real time, watched by
 * five in-process viewers of one RFB server that list only Raw, only ZRLE, only Tight, only
 * Hextile, and Tight with quality level 6 as noVNC does (all noVNC's RGBX format, compression
 * level 6). Every damage reaches them all at once, so each sees the same frames. Returns bytes per
 * update of each.
 */
async function defaultSceneBytes(): Promise<{
  raw: number;
  zrle: number;
  tight: number;
  hextile: number;
  tightQ6: number;
  updates: number;
}> {
  const c = new Container();
  c.bind(SCHEDULER).toConstantValue(asyncScheduler);
  c.bind(RFB_OPTIONS).toConstantValue({ ...DEFAULT_RFB_OPTIONS, port: 0, listenTcp: false });
  c.bind(RfbServer).toSelf().inSingletonScope();
  const server = c.get(RfbServer);
  const module = new ContainerModule(({ bind }) => {
    bind(OUTPUTS).toConstantValue(server);
  });
  const scene = { ...DEFAULT_SCENE, png: { dir: 'out', intervalMs: 0 } };
  const app = new CompositorApp(
    createAppContainer({ scene, scheduler: realTimeScheduler, headless: true, modules: [module] }),
  );
  await app.start();
  const viewers = [
    [Encoding.Raw],
    [Encoding.ZRLE],
    [Encoding.Tight],
    [Encoding.Hextile],
    [Encoding.Tight, Encoding.QualityLevel0 + 6],
  ].map((encs) => {
    const t = new CountingTransport();
    server.accept(t);
    const pf = Buffer.alloc(20);
    encodePixelFormat(NOVNC_RGBX, pf, 4);
    t.sink.data(Buffer.concat([Buffer.from('RFB 003.008\n\x01\x01', 'latin1'), pf]));
    t.autoRequest = true;
    t.sink.data(setEncodings([...encs, Encoding.CompressLevel0 + 6]));
    t.sink.data(request(false));
    return t;
  });
  await new Promise((resolve) => setTimeout(resolve, SCENE_MS));
  await app.stop();
  const [raw, zrle, tight, hextile, tightQ6] = viewers.map((t) => t.bytes / Math.max(1, t.updates));
  return { raw, zrle, tight, hextile, tightQ6, updates: viewers[0].updates };
}

/** The server's copy of `frame` (refineDamage, the default): what sessions encode from. */
function shadowOf(frame: TestFrame): ShadowFrame {
  const shadow = new ShadowFrame();
  shadow.reset(frame);
  return shadow;
}

/** One full-frame update per call, into the previous call's buffer; `extra` adds pseudo-encodings (a quality level). */
function encodeFull(
  frame: TestFrame | ShadowFrame,
  pf: PixelFormat,
  encoding?: number,
  extra: number[] = [],
): () => Buffer {
  const conv = new PixelConverter(pf);
  const encoders = new SessionEncoders();
  if (encoding !== undefined)
    encoders.select(new Int32Array([encoding, Encoding.CompressLevel0 + 6, ...extra]));
  const raw = {
    forEachRect: (fn: (x1: number, y1: number, x2: number, y2: number) => void) =>
      fn(0, 0, frame.width, frame.height),
  };
  // the session reuses the previous update's buffer once the transport has flushed it
  let spare: Buffer | undefined;
  return () => {
    spare = encodeUpdate(frame, conv, { copies: [], raw: raw as never }, spare, encoders.current()).bytes;
    return spare;
  };
}

const PHOTO_W = 1280;
const PHOTO_H = 720;

/** A 1280×720 continuous-tone frame (waves of colour with grain): every Tight piece is photographic. */
function photoFrame(): TestFrame {
  const f = makeFrame(PHOTO_W, PHOTO_H, 0, 0);
  for (let y = 0; y < PHOTO_H; y++)
    for (let x = 0; x < PHOTO_W; x++) f.pixels[y * f.stride + x] = photoPixel(x, y, 3);
  return f;
}

/** ffmpeg's testsrc2 frame at 1.3 s, 1280×720 (what the peer bench plays), or undefined without ffmpeg. */
function testsrc2Frame(): TestFrame | undefined {
  const size = `${PHOTO_W}x${PHOTO_H}`;
  const args = ['-v', 'error', '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=30`, '-ss', '1.3'];
  const run = spawnSync('ffmpeg', [...args, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'bgra', '-'], {
    maxBuffer: 1 << 26,
  });
  if (run.status !== 0 || run.stdout.length !== PHOTO_W * PHOTO_H * 4) return undefined;
  const pixels = new Uint32Array(PHOTO_W * PHOTO_H);
  for (let i = 0; i < pixels.length; i++) pixels[i] = run.stdout.readUInt32LE(4 * i) & 0xffffff;
  return { width: PHOTO_W, height: PHOTO_H, stride: PHOTO_W, pixels };
}

/** Tight's JPEG levels the bench shows: noVNC's default and a low one. */
const JPEG_ROWS = [
  {
    name: 'Tight + JPEG, quality level 6 (JPEG 79, 4:4:4; noVNC default)',
    extra: [Encoding.QualityLevel0 + 6],
  },
  { name: 'Tight + JPEG, quality level 2 (JPEG 41, 4:2:0)', extra: [Encoding.QualityLevel0 + 2] },
];

/** Bytes of one full-frame Tight update of `frame` in noVNC's format, lossless and with each JPEG level. */
function tightJpegBytes(frame: TestFrame): { lossless: number; rows: MetricRow[] } {
  const lossless = encodeFull(frame, NOVNC_RGBX, Encoding.Tight)().length;
  const rows = JPEG_ROWS.map(({ name, extra }) => ({
    name,
    value: encodeFull(frame, NOVNC_RGBX, Encoding.Tight, extra)().length,
  }));
  return { lossless, rows };
}

/** A desktop-like frame: flat background, two flat windows, two 128×128 gradients. */
function desktopLike(): TestFrame {
  const f = makeFrame(W, H, 0, 16);
  fillRect(f, 0, 0, W, H, 0x1d2733);
  fillRect(f, 40, 40, 600, 400, 0xe0e0e0);
  fillRect(f, 600, 60, 1240, 380, 0x202020);
  for (const [ox, oy] of [
    [100, 100],
    [700, 150],
  ])
    for (let y = 0; y < 128; y++)
      for (let x = 0; x < 128; x++)
        f.pixels[(oy + y) * f.stride + ox + x] = (x << 17) | (y << 9) | ((x + y) & 0xff);
  return f;
}

export default {
  suites: () => {
    const frame = makeFrame(W, H, 0, 16);
    const desk = desktopLike();
    const photo = photoFrame();
    const copy = new Uint32Array(W * H);
    return [
      {
        title: 'RFB Raw encoding of a full 1280×800 frame',
        detail:
          "one FramebufferUpdate (header + rows converted into the session's reused buffer) vs copying the frame rows into a preallocated array; sessions encode from the server's copy of the frame (ShadowFrame, in wasm memory) unless refineDamage is off",
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
            name: "Raw, noVNC's RGBX pixel format (wasm SIMD shuffle from the server's copy)",
            fn: encodeFull(shadowOf(frame), NOVNC_RGBX),
            goal: {
              min: 0.5,
              text: "conversion into noVNC's format ≥ 0.5× a row copy of the same bytes (issue 14)",
            },
          },
          {
            name: "Raw, noVNC's RGBX from a frame outside wasm memory (refineDamage off)",
            fn: encodeFull(frame, NOVNC_RGBX),
          },
          {
            name: "Raw, RGB565 (wasm SIMD from the server's copy, rounded like the lookup tables)",
            fn: encodeFull(shadowOf(frame), RGB565_LE),
            unlike: 'converts every pixel to half the bytes where the baseline copies rows',
          },
        ],
      },
      {
        title: 'RFB ZRLE and Tight encoding of a full 1280×800 frame (level 6)',
        detail:
          'CPU cost of the compressing encodings on a frame of two 128×128 gradients over flat areas, vs copying its rows',
        baseline: {
          name: 'TypedArray.set of the 800 rows',
          fn: () => {
            for (let y = 0; y < H; y++)
              copy.set(desk.pixels.subarray(y * desk.stride, y * desk.stride + W), y * W);
          },
        },
        cases: [
          { name: 'ZRLE, RGBX', fn: encodeFull(desk, NOVNC_RGBX, Encoding.ZRLE) },
          { name: 'Tight, RGBX', fn: encodeFull(desk, NOVNC_RGBX, Encoding.Tight) },
        ],
      },
      {
        title: 'RFB Tight with JPEG: encoding a full 1280×720 photographic frame',
        detail:
          "JPEG pieces (own baseline encoder, quality levels as TigerVNC maps them) vs Tight's lossless copy filter + zlib level 6 of the same continuous-tone frame, noVNC's format",
        baseline: {
          name: 'Tight lossless (no quality level)',
          fn: encodeFull(photo, NOVNC_RGBX, Encoding.Tight),
        },
        cases: JPEG_ROWS.map(({ name, extra }) => ({
          name,
          fn: encodeFull(photo, NOVNC_RGBX, Encoding.Tight, extra),
          unlike: 'lossy: JPEG drops detail the lossless baseline keeps',
        })),
      },
    ];
  },
  metrics: async () => {
    const photo = tightJpegBytes(photoFrame());
    const src2 = testsrc2Frame();
    const testsrc2 = src2 && tightJpegBytes(src2);
    const scene = await defaultSceneBytes();
    const full = await fullFrameBytes();
    const rows: MetricRow[] = [
      { name: 'damage rects (cap 32)', value: await scatteredBytes({ maxRectsPerUpdate: 32 }) },
      {
        name: 'damage rects (cap 4, coarser grid above)',
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
        title: `RFB bytes per update, the default scene to one viewer (${scene.updates} updates in ${SCENE_MS / 1000} s, real time)`,
        detail:
          "The same frames to five in-process viewers in noVNC's RGBX format: Raw, ZRLE, Tight (lossless, compression level 6), Hextile, and Tight with quality level 6",
        unit: 'bytes/update',
        baseline: { name: 'Raw', value: scene.raw },
        rows: [
          { name: 'ZRLE', value: scene.zrle, goal: { max: 0.1, text: '≤ 0.1× Raw' } },
          { name: 'Tight', value: scene.tight, goal: { max: 0.1, text: '≤ 0.1× Raw' } },
          { name: 'Hextile (no zlib)', value: scene.hextile },
          {
            name: "Tight + quality level 6 (noVNC's list: no piece is photographic, so no JPEG)",
            value: scene.tightQ6,
          },
        ],
      },
      {
        title: 'RFB Tight bytes of a full 1280×720 photographic frame, with and without JPEG',
        detail: "Continuous-tone waves of colour with grain, one full-frame update in noVNC's format",
        unit: 'bytes/update',
        baseline: { name: 'Tight lossless (compression level 6)', value: photo.lossless },
        rows: photo.rows,
      },
      ...(testsrc2
        ? [
            {
              title: "RFB Tight bytes of ffmpeg's testsrc2 (1280×720, one frame), with and without JPEG",
              detail:
                "The peer bench's content: mostly flat colour bars and text (fills and palettes stay lossless); only its gradient pieces are photographic",
              unit: 'bytes/update',
              baseline: { name: 'Tight lossless (compression level 6)', value: testsrc2.lossless },
              rows: testsrc2.rows,
            },
          ]
        : []),
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
