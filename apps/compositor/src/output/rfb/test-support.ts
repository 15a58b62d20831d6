/** Shared fixtures for the output tests and benchmarks: frames with known content and a started server. */

import { SCHEDULER } from '@fbemu/fbdev-defio';
import { Container } from 'inversify';
import { asyncScheduler, filter, firstValueFrom, type Observable, type SchedulerLike } from 'rxjs';
import { type FrameSource, RFB_OPTIONS } from '../tokens.js';
import { type PixelFormat, SERVER_PIXEL_FORMAT } from './pixel-format.js';
import { DEFAULT_RFB_OPTIONS, type RfbOptions, RfbServer, type RfbServerEvent } from './server.js';
import { RfbTestClient } from './test-client.js';
import type { ByteTransport, TransportSink } from './transport.js';

/** A mutable frame the tests own, `stride` padded past `width` so stride bugs show. */
export interface TestFrame extends FrameSource {
  width: number;
  height: number;
  stride: number;
  pixels: Uint32Array;
}

/** A pixel value that differs in every channel from its neighbours, so misplaced pixels show. */
export function pattern(x: number, y: number, seed = 0): number {
  return (
    (((x * 7 + seed) & 0xff) << 16) | (((y * 13 + seed * 3) & 0xff) << 8) | ((x * 3 + y * 5 + seed) & 0xff)
  );
}

export function makeFrame(width: number, height: number, seed = 0, pad = 3): TestFrame {
  const stride = width + pad;
  const pixels = new Uint32Array(stride * height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) pixels[y * stride + x] = pattern(x, y, seed);
  return { width, height, stride, pixels };
}

export function fillRect(f: TestFrame, x1: number, y1: number, x2: number, y2: number, value: number): void {
  for (let y = y1; y < y2; y++) f.pixels.fill(value, y * f.stride + x1, y * f.stride + x2);
}

/** Copies the block `src` of `f` to (dx, dy), like a compositor moving a plane (source read first). */
export function moveBlock(
  f: TestFrame,
  src: { x1: number; y1: number; x2: number; y2: number },
  dx: number,
  dy: number,
): void {
  const w = src.x2 - src.x1;
  const rows: Uint32Array[] = [];
  for (let y = src.y1; y < src.y2; y++)
    rows.push(f.pixels.slice(y * f.stride + src.x1, y * f.stride + src.x1 + w));
  for (const [i, row] of rows.entries()) f.pixels.set(row, (dy + i) * f.stride + dx);
}

/** The visible pixels of `f`, rows packed (what a client's screen should equal). */
export function packed(f: FrameSource): Uint32Array {
  const out = new Uint32Array(f.width * f.height);
  for (let y = 0; y < f.height; y++)
    out.set(f.pixels.subarray(y * f.stride, y * f.stride + f.width), y * f.width);
  return out;
}

/** An RfbServer built through a container, as the composition root would, on an ephemeral loopback port. */
export async function startServer(
  frame: FrameSource,
  options: Partial<RfbOptions> = {},
  scheduler: SchedulerLike = asyncScheduler,
): Promise<RfbServer> {
  const c = new Container();
  c.bind(SCHEDULER).toConstantValue(scheduler);
  c.bind(RFB_OPTIONS).toConstantValue({ ...DEFAULT_RFB_OPTIONS, port: 0, ...options });
  c.bind(RfbServer).toSelf().inSingletonScope();
  const server = c.get(RfbServer);
  server.attach(frame);
  await server.start();
  return server;
}

/** Resolves with the first event of `type` (for session `session` if given). */
export function nextEvent<T extends RfbServerEvent['type']>(
  events$: Observable<RfbServerEvent>,
  type: T,
  session?: number,
): Promise<Extract<RfbServerEvent, { type: T }>> {
  return firstValueFrom(
    events$.pipe(
      filter(
        (e): e is Extract<RfbServerEvent, { type: T }> =>
          e.type === type && (session === undefined || ('session' in e && e.session === session)),
      ),
    ),
  );
}

/** Connects a test client over TCP and learns its session id from the server. */
export async function connectTcp(server: RfbServer): Promise<{ client: RfbTestClient; session: number }> {
  const connected = nextEvent(server.events$, 'connected');
  const client = await RfbTestClient.tcp(server.port);
  return { client, session: (await connected).session };
}

/**
 * Resolves once the server has handled everything `client` sent so far: a KeyEvent is sent and
 * awaited on `events$` (messages of one session are handled in order).
 */
export async function barrier(server: RfbServer, client: RfbTestClient, session: number): Promise<void> {
  const seen = firstValueFrom(
    server.events$.pipe(
      filter((e) => e.type === 'key' && e.session === session && e.keysym === BARRIER_KEYSYM),
    ),
  );
  client.keyEvent(true, BARRIER_KEYSYM);
  await seen;
}

/** XK_VoidSymbol: a keysym no test uses for anything else. */
const BARRIER_KEYSYM = 0xffffff;

/** A transport whose queue the test controls: writes are recorded and flushed only on demand. */
export class MemoryTransport implements ByteTransport {
  readonly kind = 'tcp';
  readonly remote: string;
  bufferedBytes = 0;
  /** close() (graceful) or destroy() was called */
  closed = false;
  destroyed = false;
  paused = false;
  writes: Buffer[] = [];
  sink!: TransportSink;
  private pending: (() => void)[] = [];
  constructor(readonly address = 'test') {
    this.remote = `${address}:1`;
  }
  listen(sink: TransportSink): void {
    this.sink = sink;
  }
  write(bytes: Uint8Array, flushed: () => void): void {
    this.writes.push(Buffer.from(bytes));
    this.bufferedBytes += bytes.byteLength;
    this.pending.push(flushed);
  }
  /** The peer read everything: the queue drains and the flush callbacks run. */
  drain(): void {
    this.bufferedBytes = 0;
    for (const f of this.pending.splice(0)) f();
  }
  close(): void {
    this.closed = true;
  }
  destroy(): void {
    this.closed = true;
    this.destroyed = true;
  }
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
  }
  /** Everything written so far, as one buffer. */
  get written(): Buffer {
    return Buffer.concat(this.writes);
  }
}

/** RFB pixel formats the tests and benchmarks use: RGB565 in both byte orders, and noVNC's RGBX. */
export const RGB565_BE: PixelFormat = {
  ...SERVER_PIXEL_FORMAT,
  bitsPerPixel: 16,
  depth: 16,
  bigEndian: true,
  redMax: 31,
  greenMax: 63,
  blueMax: 31,
  redShift: 11,
  greenShift: 5,
  blueShift: 0,
};
export const RGB565_LE: PixelFormat = { ...RGB565_BE, bigEndian: false };
/** What noVNC asks for: R, G, B, X bytes in memory. */
export const NOVNC_RGBX: PixelFormat = { ...SERVER_PIXEL_FORMAT, redShift: 0, greenShift: 8, blueShift: 16 };
