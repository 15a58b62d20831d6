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
import { DEFAULT_PNG_OPTIONS, PngOutput, type PngOutputOptions } from './png.js';
import { fillRect, makeFrame, type TestFrame } from './rfb/test-support.js';
import { PNG_OPTIONS } from './tokens.js';

function build(options: Partial<PngOutputOptions>, scheduler = new VirtualTimeScheduler()): PngOutput {
  const c = new Container();
  c.bind(PNG_OPTIONS).toConstantValue({ ...DEFAULT_PNG_OPTIONS, ...options });
  c.bind(SCHEDULER).toConstantValue(scheduler);
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
});
