import { type ChildProcess, fork, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import type { BenchModule, MetricTable } from '../../../../tools/bench.js';
import { PEER_TILES, tileHashes } from './peer-hash.js';
import { SERVER_PIXEL_FORMAT } from './rfb/pixel-format.js';
import { Encoding } from './rfb/protocol.js';
import { RfbTestClient } from './rfb/test-client.js';
import { type ClientZlibStream, DecodingClient } from './rfb/test-decoders.js';

/**
 * Issues 10 + 14: fbemu's RFB server against the peer, Debian's x11vnc polling a framebuffer,
 * on the same ffmpeg stream. ffmpeg plays testsrc2 1280×720 at 30 fps into fbemu's /dev/fb0
 * (memfd, async tracking) served by `peer-server.js` in its own process; x11vnc maps that very
 * memfd (`-rawfb map:/proc/PID/fd/N@1280x720x32`), so both show the same frames. One client at a
 * time (this process: decodes everything, asks again after each update) per server and encoding.
 * Frame identity: at each writeback the fbemu process hashes five 32×32 tiles that change in
 * every frame (`peer-hash.ts`) and reports them with the writeback's first-write time
 * (`armedAt`); the client hashes the same tiles after every update, so "frame → client" is
 * first write → first update showing that tile as written back, for both servers (a tile a
 * poller shows torn or skips never matches: the sample counts say how many frames arrived).
 * Needs `ffmpeg` and `x11vnc` (apt-get install ffmpeg x11vnc).
 */
const W = 1280;
const H = 720;
const FPS = 30;
const FRAMES = 60;
/** fbemu's defio delay here: x11vnc's default -wait/-defer are 20 ms, so like for like */
const DELAY_MS = 20;
const STATIC_MS = 5000;
/**
 * What the viewer lists in SetEncodings. Without a quality level both servers send lossless Tight
 * (libvncserver enables JPEG only for a client that sent one); with quality level 6, as noVNC
 * does, both may send JPEG (libvncserver maps level 6 to JPEG quality 79, 4:4:4, as fbemu does).
 */
const ENCODINGS: readonly (readonly [string, number[]])[] = [
  ['Raw', [Encoding.Raw]],
  ['ZRLE', [Encoding.ZRLE]],
  ['Tight', [Encoding.Tight]],
  ['Tight + quality level 6 (JPEG)', [Encoding.Tight, Encoding.QualityLevel0 + 6]],
];
const TICK_US = 1e6 / 100; // USER_HZ

/** utime + stime of a process, µs */
function cpuUs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * TICK_US;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

interface ZlibHandle {
  writeSync(
    flush: number,
    i: Uint8Array,
    inOff: number,
    inLen: number,
    o: Uint8Array,
    outOff: number,
    outLen: number,
  ): void;
}

/**
 * The viewer's persistent inflate stream, driven synchronously through the native handle the way
 * `rfb/zlib-stream.ts` drives its deflate (the test decoder's default re-inflates the whole
 * history per rect: quadratic, far slower than the stream).
 */
class StreamInflater implements ClientZlibStream {
  private stream = zlib.createInflate();
  private out = Buffer.allocUnsafe(1 << 22);

  feed(z: Uint8Array): Buffer {
    const internals = this.stream as unknown as { _handle: ZlibHandle; _writeState: Uint32Array };
    let [inOff, inLen, used] = [0, z.length, 0];
    for (;;) {
      const room = this.out.length - used;
      internals._handle.writeSync(zlib.constants.Z_SYNC_FLUSH, z, inOff, inLen, this.out, used, room);
      const [availOut, availIn] = internals._writeState;
      used += room - availOut;
      inOff += inLen - availIn;
      inLen = availIn;
      if (availOut !== 0) return Buffer.from(this.out.subarray(0, used));
      const bigger = Buffer.allocUnsafe(this.out.length * 2);
      this.out.copy(bigger, 0, 0, used);
      this.out = bigger;
    }
  }

  reset(): void {
    this.stream.close();
    this.stream = zlib.createInflate();
  }
}

async function compactLength(c: RfbTestClient, parts: Buffer[]): Promise<number> {
  let len = 0;
  for (let i = 0; i < 3; i++) {
    const b = await c.read(1);
    parts.push(b);
    len |= (b[0] & (i === 2 ? 0xff : 0x7f)) << (7 * i);
    if (i === 2 || (b[0] & 0x80) === 0) break;
  }
  return len;
}

/** One Tight rect's bytes (32 bpp, depth 24: TPIXEL is 3 bytes). */
async function tightRect(c: RfbTestClient, parts: Buffer[], w: number, h: number): Promise<void> {
  const take = async (n: number) => {
    const b = await c.read(n);
    parts.push(b);
    return b;
  };
  const control = (await take(1))[0] >> 4;
  if (control === 8) return void (await take(3));
  if (control === 9) return void (await take(await compactLength(c, parts)));
  const filter = control & 4 ? (await take(1))[0] : 0;
  let size = w * h * 3;
  if (filter === 1) {
    const colours = (await take(1))[0] + 1;
    await take(colours * 3);
    size = colours === 2 ? ((w + 7) >> 3) * h : w * h;
  }
  await take(size < 12 ? size : await compactLength(c, parts));
}

/** Reads one server message; a FramebufferUpdate's bytes whole, other messages skipped (null). */
async function readMessage(c: RfbTestClient): Promise<Buffer | null> {
  const head = await c.read(1);
  if (head[0] === 2) return null; // Bell
  if (head[0] === 3) {
    const len = (await c.read(7)).readUInt32BE(3);
    await c.read(len);
    return null;
  }
  if (head[0] === 1) {
    await c.read((await c.read(5)).readUInt16BE(3) * 6);
    return null;
  }
  if (head[0] !== 0) throw new Error(`server message ${head[0]}`);
  const count = await c.read(3);
  const parts = [head, count];
  for (let n = count.readUInt16BE(1); n > 0; n--) {
    const r = await c.read(12);
    parts.push(r);
    const [w, h, enc] = [r.readUInt16BE(4), r.readUInt16BE(6), r.readInt32BE(8)];
    if (enc === Encoding.Raw) parts.push(await c.read(w * h * 4));
    else if (enc === Encoding.CopyRect) parts.push(await c.read(4));
    else if (enc === Encoding.ZRLE) {
      const len = await c.read(4);
      parts.push(len, await c.read(len.readUInt32BE(0)));
    } else if (enc === Encoding.Tight) await tightRect(c, parts, w, h);
    else throw new Error(`encoding ${enc}`);
  }
  return Buffer.concat(parts);
}

/**
 * A live viewer: reads every update whole, asks for the next at once and notes when it arrived.
 * Raw updates are decoded as they come; compressed ones after the run (the test decoder is
 * plain JavaScript: decoding inline would make the viewer the bottleneck). Either way each tile
 * hash is stamped with the arrival of the update showing it.
 */
class Viewer {
  /** per tile of PEER_TILES: hash → when the viewer first showed it (ms, Date.now) */
  readonly seen = PEER_TILES.map(() => new Map<number, number>());
  private readonly decoder = new DecodingClient(
    { pf: SERVER_PIXEL_FORMAT, cpixel: [3, 0], tpixelRgb: true },
    W,
    H,
    () => new StreamInflater(),
  );
  private readonly later: [Buffer, number][] = [];
  /** FramebufferUpdates received */
  updates = 0;
  private running = true;
  private readonly done: Promise<void>;

  private constructor(
    readonly client: RfbTestClient,
    encodings: number[],
  ) {
    // JPEG rects are not decoded: a blank rect never matches a tile hash, so JPEG'd tiles give no latency sample
    this.decoder.jpegDecoder = (_data, width, height) => ({
      width,
      height,
      pixels: new Uint32Array(width * height),
    });
    const encoding = encodings[0];
    client.setPixelFormat(SERVER_PIXEL_FORMAT);
    client.setEncodings(encodings);
    client.requestUpdate(false);
    this.done = (async () => {
      while (this.running) {
        const update = await readMessage(client).catch(() => undefined);
        if (update === undefined) return;
        if (update === null) continue;
        this.updates++;
        client.requestUpdate(true);
        if (encoding === Encoding.Raw) this.show(update, Date.now());
        else this.later.push([update, Date.now()]);
      }
    })();
  }

  private show(update: Buffer, at: number): void {
    this.decoder.update(update);
    tileHashes(this.decoder.screen, W).forEach((hash, i) => {
      if (!this.seen[i].has(hash)) this.seen[i].set(hash, at);
    });
  }

  /** Decodes what arrived so far (in order) into `seen`. */
  catchUp(): void {
    for (const [update, at] of this.later.splice(0)) this.show(update, at);
  }

  static async connect(port: number, encodings: number[]): Promise<Viewer> {
    const client = await RfbTestClient.tcp(port);
    await client.handshake();
    return new Viewer(client, encodings);
  }

  get bytes(): number {
    return this.client.bytesReceived;
  }

  async close(): Promise<void> {
    this.running = false;
    this.client.close();
    await this.done;
  }
}

interface Frame {
  armedAt: number;
  hashes: number[];
  hashUs: number;
}

interface Side {
  name: string;
  pid: number;
  port: number;
}

interface Measured {
  /** frame × tile pairs written back during the run whose tile content is unique in the run */
  possible: number;
  bytesPerS: number;
  /** FramebufferUpdates the viewer received during the run, which lasted `seconds` */
  updates: number;
  seconds: number;
  cpuPerS: number;
  /** the fbemu process meanwhile (front door, tracking, defio; with a viewer also RFB), less hashing */
  fbemuCpuPerS: number;
  latencies: number[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else {
      child.once('exit', (code) => resolve(code));
      child.once('error', () => resolve(-1)); // never started (not installed)
    }
  });
}

class Peers {
  private constructor(
    /** every writeback of the fbemu process, as it reported it */
    readonly frames: Frame[],
    readonly fbemu: ChildProcess,
    readonly x11vnc: ChildProcess,
    readonly env: Record<string, string>,
    readonly sides: Side[],
  ) {}

  static async start(): Promise<Peers> {
    const script = fileURLToPath(new URL('./peer-server.js', import.meta.url));
    const fbemu = fork(script, [`${W}`, `${H}`, `${DELAY_MS}`], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const frames: Frame[] = [];
    const ready = await new Promise<{ port: number; env: Record<string, string>; memfd: string }>(
      (resolve, reject) => {
        fbemu.on('message', (m: { ready?: never; frame?: Frame }) => {
          if (m.ready) resolve(m.ready);
          if (m.frame) frames.push(m.frame);
        });
        fbemu.once('exit', (code) => reject(new Error(`peer-server exited ${code}`)));
      },
    );
    const port = await freePort();
    const x11vnc = spawn(
      'x11vnc',
      [
        ...['-rawfb', `map:${ready.memfd}@${W}x${H}x32`, '-rfbport', `${port}`],
        ...['-localhost', '-nopw', '-forever', '-quiet', '-noipv6'],
      ],
      { stdio: 'ignore' },
    );
    const peers = new Peers(frames, fbemu, x11vnc, ready.env, [
      { name: 'x11vnc', pid: x11vnc.pid!, port },
      { name: 'fbemu', pid: fbemu.pid!, port: ready.port },
    ]);
    x11vnc.once('error', (e) => console.error(`x11vnc: ${e.message} (apt-get install x11vnc)`));
    try {
      await peers.waitListening(port);
    } catch (e) {
      await peers.close();
      throw e;
    }
    return peers;
  }

  /** x11vnc prints nothing useful under -quiet: poll its port until it answers. */
  private async waitListening(port: number): Promise<void> {
    for (let i = 0; i < 100; i++) {
      try {
        (await RfbTestClient.tcp(port)).close();
        return;
      } catch {
        await sleep(50);
      }
    }
    throw new Error('x11vnc did not listen');
  }

  private hashUs(since: number): number {
    return this.frames.slice(since).reduce((s, f) => s + f.hashUs, 0);
  }

  /** ffmpeg plays FRAMES frames while one viewer of `side` watches. */
  async stream(side: Side, encodings: number[]): Promise<Measured> {
    const viewer = await Viewer.connect(side.port, encodings);
    await sleep(300); // the first full update
    const fbemuPid = this.fbemu.pid!;
    const [bytes0, cpu0, fbemu0, updates0] = [viewer.bytes, cpuUs(side.pid), cpuUs(fbemuPid), viewer.updates];
    const [frames0, t0] = [this.frames.length, Date.now()];
    const ffmpeg = spawn(
      'ffmpeg',
      [
        ...['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi'],
        ...['-i', `testsrc2=size=${W}x${H}:rate=${FPS}`, '-frames:v', `${FRAMES}`],
        ...['-pix_fmt', 'bgra', '-f', 'fbdev', '/dev/fb0'],
      ],
      { env: { ...process.env, ...this.env }, stdio: ['ignore', 'ignore', 'inherit'] },
    );
    try {
      const code = await exited(ffmpeg);
      if (code !== 0) throw new Error(`ffmpeg exited ${code}`);
      await sleep(200); // the last frame's writeback and update
    } finally {
      ffmpeg.kill('SIGKILL');
    }
    const seconds = (Date.now() - t0) / 1000;
    const hashUs = this.hashUs(frames0);
    const fbemuCpuPerS = (cpuUs(fbemuPid) - fbemu0 - hashUs) / 1e6 / seconds;
    const bytesPerS = (viewer.bytes - bytes0) / seconds;
    const updates = viewer.updates - updates0;
    const cpuPerS = side.pid === fbemuPid ? fbemuCpuPerS : (cpuUs(side.pid) - cpu0) / 1e6 / seconds;
    await viewer.close();
    viewer.catchUp();
    const { latencies, possible } = this.latencies(viewer.seen, frames0);
    return { possible, bytesPerS, seconds, updates, cpuPerS, fbemuCpuPerS, latencies };
  }

  /**
   * per frame written back and tile: first written → the viewer first showed the tile as written
   * back. A tile content that recurs within the run (testsrc2's moving parts cycle) is left out:
   * its first showing may belong to another frame.
   */
  private latencies(seen: Map<number, number>[], since: number): { latencies: number[]; possible: number } {
    const frames = this.frames.slice(since);
    const count = PEER_TILES.map(() => new Map<number, number>());
    for (const f of frames)
      f.hashes.forEach((h, i) => {
        count[i].set(h, (count[i].get(h) ?? 0) + 1);
      });
    const out: number[] = [];
    let possible = 0;
    for (const f of frames)
      f.hashes.forEach((hash, i) => {
        if (count[i].get(hash) !== 1) return;
        possible++;
        const at = seen[i].get(hash);
        if (at !== undefined && at >= f.armedAt) out.push(at - f.armedAt);
      });
    return { latencies: out.sort((a, b) => a - b), possible };
  }

  /** Both servers with a connected, waiting viewer on a screen nobody writes: CPU share of a core. */
  async idle(): Promise<number[]> {
    const viewers = await Promise.all(this.sides.map((s) => Viewer.connect(s.port, [Encoding.Raw])));
    await sleep(500);
    const before = this.sides.map((s) => cpuUs(s.pid));
    await sleep(STATIC_MS);
    const shares = this.sides.map((s, i) => (cpuUs(s.pid) - before[i]) / 1e3 / STATIC_MS);
    await Promise.all(viewers.map((v) => v.close()));
    return shares;
  }

  async close(): Promise<void> {
    this.x11vnc.kill('SIGKILL');
    if (this.fbemu.connected) this.fbemu.send('close');
    const timer = setTimeout(() => this.fbemu.kill('SIGKILL'), 2000);
    await Promise.all([exited(this.x11vnc), exited(this.fbemu)]);
    clearTimeout(timer);
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0
    ? Number.NaN
    : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** mean KB per update over the run (bytes/s × the run's length ÷ updates) */
function perUpdate(m: Measured): string {
  return m.updates === 0 ? '-' : ((m.bytesPerS * m.seconds) / m.updates / 1e3).toFixed(0);
}

function tables(name: string, x: Measured, f: Measured): MetricTable[] {
  const detail = `one viewer asking for ${name}, ffmpeg testsrc2 ${W}×${H} @ ${FPS} fps (${FRAMES} frames); x11vnc -rawfb map: of fbemu's memfd vs fbemu's RFB server fed by its damage (defio delay ${DELAY_MS} ms)`;
  return [
    {
      title: `${name}: bytes per second to the viewer`,
      detail: `${detail}; updates received: x11vnc ${x.updates} (${perUpdate(x)} KB each), fbemu ${f.updates} (${perUpdate(f)} KB each)`,
      unit: 'MB/s',
      baseline: { name: 'x11vnc', value: x.bytesPerS / 1e6 },
      rows: [{ name: 'fbemu', value: f.bytesPerS / 1e6, goal: { max: 1.1, text: 'within 1.1× of x11vnc' } }],
    },
    {
      title: `${name}: server CPU, share of one core`,
      detail:
        'x11vnc: its utime + stime; fbemu: the server process (front door, tracking, defio, RFB), less the bench’s tile hashing and its reports to the bench',
      unit: 'core',
      baseline: { name: 'x11vnc', value: x.cpuPerS },
      rows: [
        { name: 'fbemu', value: f.cpuPerS, goal: { max: 1, text: 'below x11vnc' } },
        { name: 'fbemu with no viewer (its part while x11vnc served)', value: x.fbemuCpuPerS },
      ],
    },
    {
      title: `${name}: frame first written → viewer shows it`,
      detail: `tiles (unique in the run) shown as written back: x11vnc ${x.latencies.length} of ${x.possible}, fbemu ${f.latencies.length} of ${f.possible} (a tile shown torn or skipped has no sample)`,
      unit: 'ms',
      baseline: { name: 'x11vnc p50', value: percentile(x.latencies, 50) },
      rows: [
        { name: 'x11vnc p99', value: percentile(x.latencies, 99) },
        { name: 'fbemu p50', value: percentile(f.latencies, 50), goal: { max: 1, text: 'below x11vnc p50' } },
        { name: 'fbemu p99', value: percentile(f.latencies, 99) },
      ],
    },
  ];
}

export default {
  metrics: async () => {
    const peers = await Peers.start();
    try {
      const out: MetricTable[] = [];
      for (const [name, encodings] of ENCODINGS) {
        const [x, f] = [
          await peers.stream(peers.sides[0], encodings),
          await peers.stream(peers.sides[1], encodings),
        ];
        out.push(...tables(name, x, f));
      }
      const [x, f] = await peers.idle();
      out.push({
        title: `static screen, one waiting viewer each: server CPU over ${STATIC_MS / 1000} s`,
        detail: 'nothing writes the framebuffer (ffmpeg gone); share of one core',
        unit: 'core',
        baseline: { name: 'x11vnc', value: x },
        rows: [{ name: 'fbemu', value: f, goal: { max: 1, text: 'below x11vnc, ≈ 0' } }],
      });
      return out;
    } finally {
      await peers.close();
    }
  },
} satisfies BenchModule;
