import 'reflect-metadata';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rect } from '@fbemu/drm-fb-helper';
import { SCHEDULER } from '@fbemu/fbdev-defio';
import { expect } from 'chai';
import { Container } from 'inversify';
import { PNG } from 'pngjs';
import { VirtualTimeScheduler } from 'rxjs';
import { DEFAULT_PNG_OPTIONS, MAX_PENDING_FRAMES, PngOutput, type PngOutputOptions } from './png.js';
import { encodeXrgbPng, type PngEncoder, WorkerPngEncoder } from './png-encoder.js';
import { fillRect, makeFrame, type TestFrame } from './rfb/test-support.js';
import { PNG_ENCODER, PNG_OPTIONS } from './tokens.js';

function build(
  options: Partial<PngOutputOptions>,
  scheduler = new VirtualTimeScheduler(),
  encoder?: PngEncoder,
): PngOutput {
  const c = new Container();
  c.bind(PNG_OPTIONS).toConstantValue({ ...DEFAULT_PNG_OPTIONS, ...options });
  c.bind(SCHEDULER).toConstantValue(scheduler);
  if (encoder) c.bind(PNG_ENCODER).toConstantValue(encoder);
  c.bind(PngOutput).toSelf().inSingletonScope();
  return c.get(PngOutput);
}

/** Decodes a PNG file into XRGB words, rows packed, independently of the encoder's helpers. */
async function decode(path: string): Promise<{ width: number; height: number; words: number[] }> {
  const png = PNG.sync.read(await readFile(path));
  const words: number[] = [];
  for (let i = 0; i < png.width * png.height; i++) {
    const d = png.data;
    words.push((d[4 * i] << 16) | (d[4 * i + 1] << 8) | d[4 * i + 2]);
  }
  return { width: png.width, height: png.height, words };
}

/** An encoder that holds each frame until the test releases it (a slow encoder, under control). */
class HeldEncoder implements PngEncoder {
  readonly held: { width: number; release: () => void }[] = [];
  closed = false;

  encode(xrgb: Uint32Array, width: number, height: number): Promise<Uint8Array> {
    return new Promise((resolve) => {
      this.held.push({ width, release: () => resolve(encodeXrgbPng(xrgb, width, height)) });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

function visible(f: TestFrame): number[] {
  const out: number[] = [];
  for (let y = 0; y < f.height; y++)
    for (let x = 0; x < f.width; x++) out.push(f.pixels[y * f.stride + x] & 0xffffff);
  return out;
}

describe('PngOutput', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fbemu-png-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('snapshot(path) round-trips the visible pixels through pngjs (stride padding excluded)', async () => {
    const frame = makeFrame(13, 7, 2, 5);
    frame.pixels[0] |= 0xff000000; // the X byte is not part of the image
    const out = build({});
    out.attach(frame);
    await out.start();
    await out.snapshot(join(dir, 'shot.png'));
    const png = await decode(join(dir, 'shot.png'));
    expect([png.width, png.height]).to.deep.equal([13, 7]);
    expect(png.words).to.deep.equal(visible(frame));
    expect(out.stats().snapshots).to.equal(1);
    await out.close();
  });

  it('writes numbered frames on the scheduler, only after damage, each with the pixels of its tick', async () => {
    const scheduler = new VirtualTimeScheduler();
    const frames = join(dir, 'out');
    const out = build({ dir: frames, intervalMs: 100 }, scheduler);
    const frame = makeFrame(6, 4);
    out.attach(frame);
    await out.start();
    const first = visible(frame);

    scheduler.maxFrames = 100; // tick 1: the initial frame counts as damaged
    scheduler.flush();
    fillRect(frame, 0, 0, 3, 2, 0x00ff0000);
    out.damage([new Rect(0, 0, 3, 2)]);
    const second = visible(frame);
    scheduler.maxFrames = 200; // tick 2: damaged
    scheduler.flush();
    fillRect(frame, 0, 0, 6, 4, 0x0000ff00); // changed but never damaged: no frame shows it
    scheduler.maxFrames = 300; // tick 3: nothing damaged, skipped
    scheduler.flush();
    await out.close();

    expect((await readdir(frames)).sort()).to.deep.equal(['frame-000001.png', 'frame-000002.png']);
    expect((await decode(join(frames, 'frame-000001.png'))).words).to.deep.equal(first);
    expect((await decode(join(frames, 'frame-000002.png'))).words).to.deep.equal(second);
    expect(out.stats()).to.deep.include({ framesWritten: 2, framesSkipped: 1 });
  });

  it('stops ticking after close()', async () => {
    const scheduler = new VirtualTimeScheduler();
    const out = build({ dir, intervalMs: 10, onlyOnDamage: false }, scheduler);
    out.attach(makeFrame(2, 2));
    await out.start();
    await out.close();
    scheduler.maxFrames = 1000;
    scheduler.flush();
    expect(await readdir(dir)).to.deep.equal([]);
  });

  it('rejects a bad interval (EINVAL) and snapshots without a frame (ENODEV)', async () => {
    expect(() => build({ intervalMs: 0 })).to.throw(/EINVAL/);
    let error: unknown;
    await build({})
      .snapshot(join(dir, 'x.png'))
      .catch((e) => {
        error = e;
      });
    expect(String(error)).to.match(/ENODEV/);
  });

  it('ticks only copy the frame; a slow encoder defers damaged ticks (bounded backlog) and loses no change', async () => {
    const scheduler = new VirtualTimeScheduler();
    const encoder = new HeldEncoder();
    const frames = join(dir, 'slow');
    const out = build({ dir: frames, intervalMs: 100 }, scheduler, encoder);
    const frame = makeFrame(4, 3);
    out.attach(frame);
    await out.start();
    const tick = (n: number, colour: number) => {
      fillRect(frame, 0, 0, 4, 3, colour);
      out.damage([new Rect(0, 0, 4, 3)]);
      scheduler.maxFrames = n * 100;
      scheduler.flush();
      return visible(frame);
    };
    const first = tick(1, 0x00ff0000);
    const second = tick(2, 0x0000ff00);
    expect(encoder.held).to.have.length(MAX_PENDING_FRAMES); // the ticks returned without encoding
    tick(3, 0x000000ff); // the backlog is full: deferred, still damaged
    expect(encoder.held).to.have.length(MAX_PENDING_FRAMES);
    expect(out.stats().framesDeferred).to.equal(1);
    for (const h of encoder.held.splice(0)) h.release();
    await out.settled();
    const fourth = tick(4, 0x00ffffff); // the deferred change goes out with the newer frame
    expect(encoder.held).to.have.length(1);
    const closing = out.close();
    encoder.held[0].release();
    await closing; // waits for the frame still being encoded
    expect(encoder.closed).to.equal(true);
    expect((await readdir(frames)).sort()).to.deep.equal([
      'frame-000001.png',
      'frame-000002.png',
      'frame-000003.png',
    ]);
    expect((await decode(join(frames, 'frame-000001.png'))).words).to.deep.equal(first);
    expect((await decode(join(frames, 'frame-000002.png'))).words).to.deep.equal(second);
    expect((await decode(join(frames, 'frame-000003.png'))).words).to.deep.equal(fourth);
    expect(out.stats()).to.deep.include({ framesWritten: 3, framesDeferred: 1 });
  });

  it('a snapshot copies the pixels of the moment it is asked for, whenever the encoder gets to it', async () => {
    const encoder = new HeldEncoder();
    const out = build({}, new VirtualTimeScheduler(), encoder);
    const frame = makeFrame(5, 2);
    out.attach(frame);
    await out.start();
    const asked = visible(frame);
    const shot = out.snapshot(join(dir, 'shot.png'));
    fillRect(frame, 0, 0, 5, 2, 0x00123456); // drawn after the request: not in the snapshot
    encoder.held[0].release();
    await shot;
    expect((await decode(join(dir, 'shot.png'))).words).to.deep.equal(asked);
    await out.close();
  });
});

describe('WorkerPngEncoder', () => {
  it('encodes in a worker thread the same bytes as in-thread, and starts a new worker after close', async () => {
    const enc = new WorkerPngEncoder();
    const xrgb = () => Uint32Array.from({ length: 7 * 5 }, (_, i) => (i * 0x2f1e37) & 0xffffff);
    const expected = encodeXrgbPng(xrgb(), 7, 5);
    const sent = xrgb();
    const bytes = await enc.encode(sent, 7, 5);
    expect(sent.byteLength).to.equal(0); // transferred to the worker, not copied
    expect(Buffer.from(bytes).equals(expected)).to.equal(true);
    await enc.close();
    expect(Buffer.from(await enc.encode(xrgb(), 7, 5)).equals(expected)).to.equal(true);
    await enc.close();
  });

  it('a failing encode rejects with the worker-side error and the encoder keeps working', async () => {
    const enc = new WorkerPngEncoder();
    let error: unknown;
    await enc.encode(new Uint32Array(8), 7, 5).catch((e) => {
      error = e;
    });
    expect(String(error)).to.match(/EINVAL: 8 pixels are not 7x5/);
    expect((await enc.encode(new Uint32Array(1), 1, 1)).length).to.be.greaterThan(0);
    await enc.close();
  });
});
