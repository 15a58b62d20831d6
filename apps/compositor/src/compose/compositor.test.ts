import { ARGB8888, FbSurface, type PixelFormat, Rect, Region, RGB565, XRGB8888 } from '@fbemu/drm-fb-helper';
import { expect } from 'chai';
import fc from 'fast-check';
import { VirtualTimeScheduler } from 'rxjs';
import { RecordingOutput } from '../output/recording-output.js';
import { Compositor, type FrameEvent } from './compositor.js';
import { Plane } from './plane.js';

const FORMATS: PixelFormat[] = [XRGB8888, ARGB8888, RGB565];

function surface(format: PixelFormat, width: number, height: number, padding = 0): FbSurface {
  const pitch = width * format.cpp + padding * format.cpp;
  return new FbSurface(new Uint8Array(new SharedArrayBuffer(pitch * height)), width, height, pitch, format);
}

function setPixel(s: FbSurface, x: number, y: number, argb: number): void {
  const raw = s.format.pack(argb);
  const o = s.offsetOf(x, y);
  for (let i = 0; i < s.format.cpp; i++) s.bytes[o + i] = (raw >>> (8 * i)) & 0xff;
}

function getColour(s: FbSurface, x: number, y: number): number {
  const o = s.offsetOf(x, y);
  let raw = 0;
  for (let i = s.format.cpp - 1; i >= 0; i--) raw = raw * 256 + s.bytes[o + i];
  return s.format.unpack(raw);
}

/** The reference: every output pixel computed on its own, bottom plane to top, in floating point. */
function reference(width: number, height: number, background: number, planes: Plane[]): Uint32Array {
  const out = new Uint32Array(width * height);
  const sorted = [...planes].sort((a, b) => a.z - b.z);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let c = background & 0xffffff;
      for (const p of sorted) {
        if (x < p.x || y < p.y || x >= p.x + p.surface.width || y >= p.y + p.surface.height) continue;
        const s = getColour(p.surface, x - p.x, y - p.y);
        const a = (s >>> 24) & 0xff;
        const mix = (shift: number) =>
          Math.round((((s >>> shift) & 0xff) * a + ((c >>> shift) & 0xff) * (255 - a)) / 255);
        c = (mix(16) << 16) | (mix(8) << 8) | mix(0);
      }
      out[y * width + x] = c;
    }
  }
  return out;
}

function setup(width = 64, height = 48, background = 0x102030) {
  const scheduler = new VirtualTimeScheduler();
  const output = new RecordingOutput();
  const compositor = new Compositor({ width, height, background }, scheduler, [output]);
  const frames: FrameEvent[] = [];
  compositor.frames$.subscribe((f) => frames.push(f));
  return { scheduler, output, compositor, frames };
}

describe('Compositor', () => {
  it('composites the first frame fully, then nothing until damage arrives', () => {
    const { scheduler, compositor, frames } = setup();
    scheduler.flush();
    expect(frames).to.have.length(1);
    expect(frames[0].pixels).to.equal(64 * 48);
    expect(compositor.pixels[0]).to.equal(0x102030);
    scheduler.flush();
    expect(frames).to.have.length(1);
  });

  it('recomposites exactly the damaged rect, translated to output coordinates, and tells the outputs', () => {
    const { scheduler, compositor, frames, output } = setup();
    const s = surface(XRGB8888, 20, 10);
    compositor.addPlane(new Plane('a', s, 30, 5, 1));
    scheduler.flush();
    setPixel(s, 3, 4, 0xffabcdef);
    setPixel(s, 10, 9, 0xff123456); // changed but NOT damaged: must not show
    compositor.damagePlane('a', [new Rect(2, 3, 5, 6)]);
    scheduler.flush();
    const last = frames.at(-1)!;
    expect(last.rects.map(String)).to.deep.equal([new Rect(32, 8, 35, 11).toString()]);
    expect(last.pixels).to.equal(9);
    expect(compositor.pixels[9 * 64 + 33] & 0xffffff).to.equal(0xabcdef);
    expect(compositor.pixels[14 * 64 + 40]).to.equal(0); // undamaged change stays invisible
    expect(output.received.at(-1)!.map(String)).to.deep.equal(last.rects.map(String));
  });

  it('coalesces damage from several planes within one scheduler turn into one frame', () => {
    const { scheduler, compositor, frames } = setup();
    compositor.addPlane(new Plane('a', surface(XRGB8888, 8, 8), 0, 0, 1));
    compositor.addPlane(new Plane('b', surface(RGB565, 8, 8), 40, 40, 2));
    scheduler.flush();
    const before = frames.length;
    compositor.damagePlane('a', [new Rect(0, 0, 1, 1)], 5);
    compositor.damagePlane('b', [new Rect(0, 0, 100, 100)], 3);
    scheduler.flush();
    expect(frames.length).to.equal(before + 1);
    const f = frames.at(-1)!;
    expect(f.pixels).to.equal(1 + 8 * 8);
    expect(f.armedAt).to.equal(3);
  });

  it('clips damage to the plane and to the output', () => {
    const { scheduler, compositor, frames } = setup(32, 32);
    compositor.addPlane(new Plane('edge', surface(XRGB8888, 16, 16), 24, -4, 1));
    scheduler.flush();
    compositor.damagePlane('edge', [new Rect(-5, -5, 50, 50)]);
    scheduler.flush();
    expect(frames.at(-1)!.rects.map(String)).to.deep.equal([new Rect(24, 0, 32, 12).toString()]);
  });

  it('moving or removing a plane damages the old and new areas', () => {
    const { scheduler, compositor } = setup(32, 32, 0x000001);
    const s = surface(XRGB8888, 4, 4);
    for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) setPixel(s, x, y, 0xff00ff00);
    compositor.addPlane(new Plane('p', s, 0, 0, 0));
    scheduler.flush();
    compositor.movePlane('p', 10, 10);
    scheduler.flush();
    expect(compositor.pixels[0]).to.equal(0x000001);
    expect(compositor.pixels[10 * 32 + 10] & 0xffffff).to.equal(0x00ff00);
    compositor.removePlane('p');
    scheduler.flush();
    expect(compositor.pixels[10 * 32 + 10]).to.equal(0x000001);
  });

  it('moving the top-most opaque plane copies its pixels: outputs get a copy and only the uncovered strip', () => {
    const { scheduler, compositor, output, frames } = setup(64, 48, 0x000001);
    const s = surface(XRGB8888, 10, 8);
    for (let y = 0; y < 8; y++) for (let x = 0; x < 10; x++) setPixel(s, x, y, 0xff000000 | (x << 8) | y);
    compositor.addPlane(new Plane('under', surface(RGB565, 64, 48), 0, 0, 0));
    compositor.addPlane(new Plane('top', s, 5, 5, 1));
    scheduler.flush();
    const before = frames.length;
    compositor.movePlane('top', 9, 7);
    scheduler.flush();
    expect(output.copies.map((c) => [String(c.src), c.dx, c.dy])).to.deep.equal([
      [String(new Rect(5, 5, 15, 13)), 9, 7],
    ]);
    const strip = Region.fromRects(frames.slice(before).flatMap((f) => f.rects));
    expect(strip.area()).to.equal(10 * 8 - 6 * 6); // the old area minus the overlap with the new one
    expect(strip.containsRect(new Rect(9, 7, 19, 15).intersect(new Rect(5, 5, 15, 13)))).to.equal(false);
    expect(compositor.pixels[(7 + 3) * 64 + 9 + 4] & 0xffffff).to.equal((4 << 8) | 3);
  });

  it('other moves damage the old and the new area (a plane under another, or leaving the output)', () => {
    const { scheduler, compositor, output, frames } = setup(32, 32);
    compositor.addPlane(new Plane('low', surface(XRGB8888, 4, 4), 0, 0, 0));
    compositor.addPlane(new Plane('high', surface(XRGB8888, 4, 4), 20, 20, 1));
    scheduler.flush();
    const before = frames.length;
    compositor.movePlane('low', 2, 2);
    compositor.movePlane('high', 30, 30);
    scheduler.flush();
    expect(output.copies).to.have.length(0);
    const damaged = Region.fromRects(frames.slice(before).flatMap((f) => f.rects));
    for (const r of [
      new Rect(0, 0, 4, 4),
      new Rect(2, 2, 6, 6),
      new Rect(20, 20, 24, 24),
      new Rect(30, 30, 32, 32),
    ]) {
      expect(damaged.containsRect(r), String(r)).to.equal(true);
    }
  });

  it('raisePlane puts a plane on top and planeAt finds the top-most plane under a pixel', () => {
    const { compositor } = setup(32, 32);
    compositor.addPlane(new Plane('a', surface(XRGB8888, 10, 10), 0, 0, 5));
    compositor.addPlane(new Plane('b', surface(XRGB8888, 10, 10), 5, 5, 7));
    expect(compositor.planeAt(6, 6)?.id).to.equal('b');
    compositor.raisePlane('a');
    expect(compositor.planeAt(6, 6)?.id).to.equal('a');
    expect(compositor.stack.map((p) => p.id)).to.deep.equal(['b', 'a']);
    expect(compositor.planeAt(20, 20)).to.equal(undefined);
  });

  it('rejects bad planes and ids with errno errors', () => {
    const { compositor } = setup();
    compositor.addPlane(new Plane('a', surface(XRGB8888, 4, 4), 0, 0, 0));
    expect(() => compositor.addPlane(new Plane('a', surface(XRGB8888, 4, 4), 0, 0, 0)))
      .to.throw()
      .with.property('code', 'EBUSY');
    expect(() => compositor.damagePlane('nope', []))
      .to.throw()
      .with.property('code', 'ENOENT');
    expect(() => compositor.movePlane('a', 0.5, 0))
      .to.throw()
      .with.property('code', 'EINVAL');
    expect(() => new Plane('b', surface(XRGB8888, 4, 4), Number.NaN, 0, 0))
      .to.throw()
      .with.property('code', 'EINVAL');
    expect(() => new Compositor({ width: 0, height: 1, background: 0 }, new VirtualTimeScheduler()))
      .to.throw()
      .with.property('code', 'EINVAL');
  });

  it('property: damage-driven updates of random stacks equal an independent per-pixel composite', () => {
    const planeArb = fc.record({
      format: fc.constantFrom(...FORMATS),
      w: fc.integer({ min: 1, max: 24 }),
      h: fc.integer({ min: 1, max: 24 }),
      x: fc.integer({ min: -10, max: 40 }),
      y: fc.integer({ min: -10, max: 30 }),
      z: fc.integer({ min: 0, max: 5 }),
      pad: fc.integer({ min: 0, max: 3 }),
      seed: fc.integer(),
    });
    const move = fc.record({
      plane: fc.nat(),
      dx: fc.integer({ min: -6, max: 6 }),
      dy: fc.integer({ min: -6, max: 6 }),
      raise: fc.boolean(),
    });
    const edit = fc.record({
      plane: fc.nat(),
      x: fc.nat(),
      y: fc.nat(),
      w: fc.integer({ min: 1, max: 8 }),
      h: fc.integer({ min: 1, max: 8 }),
      colour: fc.integer({ min: 0, max: 0xffffffff }),
    });
    fc.assert(
      fc.property(
        fc.array(planeArb, { minLength: 1, maxLength: 4 }),
        fc.array(fc.oneof(edit, move), { maxLength: 8 }),
        (specs, edits) => {
          const { scheduler, compositor } = setup(48, 40, 0x405060);
          const planes = specs.map((sp, i) => {
            const s = surface(sp.format, sp.w, sp.h, sp.pad);
            let v = sp.seed;
            for (let y = 0; y < sp.h; y++) {
              for (let x = 0; x < sp.w; x++) {
                v = (v * 1103515245 + 12345) >>> 0;
                setPixel(s, x, y, v);
              }
            }
            return new Plane(`p${i}`, s, sp.x, sp.y, sp.z);
          });
          for (const p of planes) compositor.addPlane(p);
          scheduler.flush();
          for (const e of edits) {
            const p = planes[e.plane % planes.length];
            if ('raise' in e) {
              if (e.raise) compositor.raisePlane(p.id);
              compositor.movePlane(p.id, p.x + e.dx, p.y + e.dy); // small moves overlap themselves
              scheduler.flush();
              continue;
            }
            const r = new Rect(
              e.x % p.surface.width,
              e.y % p.surface.height,
              (e.x % p.surface.width) + e.w,
              (e.y % p.surface.height) + e.h,
            ).intersect(p.surface.bounds);
            for (let y = r.y1; y < r.y2; y++)
              for (let x = r.x1; x < r.x2; x++) setPixel(p.surface, x, y, e.colour);
            compositor.damagePlane(p.id, [r]);
            scheduler.flush();
          }
          // XRGB8888: the top byte is X (don't care), as in DRM; compare colours only
          expect([...compositor.pixels].map((c) => c & 0xffffff)).to.deep.equal([
            ...reference(48, 40, 0x405060, planes),
          ]);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('a full-width opaque plane under a smaller one: rows above, between and below are copied in one piece, exactly', () => {
    const { scheduler, compositor } = setup(40, 30);
    const wall = surface(XRGB8888, 40, 30);
    for (let y = 0; y < 30; y++)
      for (let x = 0; x < 40; x++) setPixel(wall, x, y, 0xff000000 | (x * 5) | (y << 10));
    const win = surface(XRGB8888, 10, 6);
    for (let y = 0; y < 6; y++) for (let x = 0; x < 10; x++) setPixel(win, x, y, 0xff800000 | (x << 8) | y);
    const planes = [new Plane('wall', wall, 0, 0, 0), new Plane('win', win, 12, 9, 1)];
    for (const p of planes) compositor.addPlane(p);
    scheduler.flush();
    expect([...compositor.pixels].map((c) => c & 0xffffff)).to.deep.equal([
      ...reference(40, 30, 0x102030, planes),
    ]);
  });
});
