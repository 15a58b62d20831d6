import { isKernelError } from '@fbemu/gem-shmem';
import { expect } from 'chai';
import fc from 'fast-check';
import { convertRectToRgba8888, convertRectToXrgb8888 } from './convert.js';
import { ARGB8888, PIXEL_FORMATS, type PixelFormat, RGB565, XRGB8888 } from './format.js';
import { Rect } from './rect.js';
import { FbSurface } from './surface.js';

/** Reference decoder written from the format definitions, not from format.ts. */
function expectedRgba(f: PixelFormat, b: Uint8Array, o: number): number[] {
  if (f === RGB565) {
    const v = b[o] | (b[o + 1] << 8);
    const r5 = v >> 11;
    const g6 = (v >> 5) & 63;
    const b5 = v & 31;
    return [(r5 << 3) | (r5 >> 2), (g6 << 2) | (g6 >> 4), (b5 << 3) | (b5 >> 2), 255];
  }
  return [b[o + 2], b[o + 1], b[o], f === ARGB8888 ? b[o + 3] : 255];
}

const arbCase = fc
  .record({
    format: fc.constantFrom(...PIXEL_FORMATS),
    width: fc.integer({ min: 1, max: 12 }),
    height: fc.integer({ min: 1, max: 8 }),
    pad: fc.nat(9),
    seed: fc.integer(),
    rect: fc.tuple(
      fc.integer({ min: -3, max: 14 }),
      fc.integer({ min: -3, max: 10 }),
      fc.nat(14),
      fc.nat(10),
    ),
  })
  .map(({ format, width, height, pad, seed, rect: [x, y, w, h] }) => {
    const pitch = width * format.cpp + pad;
    const bytes = new Uint8Array(pitch * height);
    let s = seed;
    for (let i = 0; i < bytes.length; i++) {
      s = (Math.imul(s, 1103515245) + 12345) | 0;
      bytes[i] = s >>> 24;
    }
    return {
      surface: new FbSurface(bytes, width, height, pitch, format),
      rect: new Rect(x, y, x + w, y + h),
    };
  });

describe('format conversion', () => {
  it('RGBA8888: each pixel of the clipped rect decodes per its format, nothing else is written', () => {
    fc.assert(
      fc.property(arbCase, ({ surface, rect }) => {
        const stride = surface.width * 4 + 4;
        const dst = new Uint8Array(stride * surface.height).fill(7);
        const done = convertRectToRgba8888(surface, rect, dst, stride);
        expect(done.equals(rect.clipTo(surface.width, surface.height))).to.equal(true);
        for (let y = 0; y < surface.height; y++) {
          for (let x = 0; x < surface.width + 1; x++) {
            const got = [...dst.subarray(y * stride + x * 4, y * stride + x * 4 + 4)];
            if (done.containsPoint(x, y)) {
              expect(got).to.deep.equal(expectedRgba(surface.format, surface.bytes, surface.offsetOf(x, y)));
            } else {
              expect(got).to.deep.equal([7, 7, 7, 7]);
            }
          }
        }
      }),
    );
  });

  it('XRGB8888 words: same colours as the RGBA path, placed at (dx, dy)', () => {
    fc.assert(
      fc.property(arbCase, fc.nat(3), fc.nat(3), ({ surface, rect }, dx, dy) => {
        const stride = surface.width + 6;
        const dst = new Uint32Array(stride * (surface.height + 6));
        const done = convertRectToXrgb8888(surface, rect, dst, stride, dx, dy);
        const ox = dx + done.x1 - rect.x1;
        const oy = dy + done.y1 - rect.y1;
        for (let y = done.y1; y < done.y2; y++) {
          for (let x = done.x1; x < done.x2; x++) {
            const [r, g, b, a] = expectedRgba(surface.format, surface.bytes, surface.offsetOf(x, y));
            const w = dst[(oy + y - done.y1) * stride + ox + x - done.x1];
            expect(w).to.equal(((a << 24) | (r << 16) | (g << 8) | b) >>> 0);
          }
        }
      }),
    );
  });

  it('a word-aligned 32-bit surface and an unaligned copy of it convert identically', () => {
    const bytes = new Uint8Array(48);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 37) & 0xff;
    const shifted = new Uint8Array(49);
    shifted.set(bytes, 1);
    const aligned = new FbSurface(bytes, 4, 3, 16, XRGB8888);
    const odd = new FbSurface(shifted.subarray(1), 4, 3, 16, XRGB8888);
    expect(aligned.u32).to.not.equal(undefined);
    expect(odd.u32).to.equal(undefined);
    const a = new Uint32Array(12);
    const b = new Uint32Array(12);
    convertRectToXrgb8888(aligned, aligned.bounds, a, 4);
    convertRectToXrgb8888(odd, odd.bounds, b, 4);
    expect([...a]).to.deep.equal([...b]);
  });

  it('rejects a target that cannot hold the rect (EINVAL) and writes nothing', () => {
    const s = new FbSurface(new Uint8Array(64), 4, 4, 16, XRGB8888);
    const dst = new Uint8Array(16).fill(1);
    expect(() => convertRectToRgba8888(s, s.bounds, dst, 16))
      .to.throw()
      .that.satisfies((e: unknown) => isKernelError(e, 'EINVAL'));
    expect(dst.every((v) => v === 1)).to.equal(true);
  });

  it('FbSurface rejects a pitch below width·cpp and a buffer too short', () => {
    for (const bad of [
      () => new FbSurface(new Uint8Array(64), 4, 4, 15, XRGB8888),
      () => new FbSurface(new Uint8Array(63), 4, 4, 16, XRGB8888),
      () => new FbSurface(new Uint8Array(64), 0, 4, 16, XRGB8888),
    ]) {
      expect(bad)
        .to.throw()
        .that.satisfies((e: unknown) => isKernelError(e, 'EINVAL'));
    }
  });
});
