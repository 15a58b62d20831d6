import { isKernelError } from '@fbemu/gem-shmem';
import { expect } from 'chai';
import fc from 'fast-check';
import { ShadowBlitter } from './blit.js';
import { RGB565, XRGB8888 } from './format.js';
import { Rect } from './rect.js';
import { Region } from './region.js';
import { FbSurface } from './surface.js';
import { arbSurfaceSpec, makeSurface, pixelOfByte } from './test-support.js';

const arbRect = fc
  .tuple(fc.integer({ min: -3, max: 26 }), fc.integer({ min: -3, max: 14 }), fc.nat(30), fc.nat(16))
  .map(([x, y, w, h]) => new Rect(x, y, x + w, y + h));

describe('shadow blit', () => {
  it('copies exactly the clip rows (y·pitch + x·cpp, (x2−x1)·cpp bytes) and changes no other byte', () => {
    fc.assert(
      fc.property(
        arbSurfaceSpec,
        fc.array(arbRect, { minLength: 1, maxLength: 4 }),
        fc.integer(),
        (spec, rects, seed) => {
          const shadow = makeSurface(spec, seed);
          const bo = makeSurface(spec, seed + 1);
          const before = bo.bytes.slice();
          const clip = Region.fromRects(rects, 1_000_000);
          const bytes = new ShadowBlitter(shadow, bo).blitRegion(clip);
          const inside = clip.clone().intersectRect(shadow.bounds);
          expect(bytes).to.equal(inside.area() * spec.format.cpp);
          for (let i = 0; i < bo.bytes.length; i++) {
            const px = pixelOfByte(bo, i);
            const want = px && inside.containsPoint(px[0], px[1]) ? shadow.bytes[i] : before[i];
            if (bo.bytes[i] !== want) expect.fail(`byte ${i} (${px ?? 'padding'})`);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('takes the row-view, block and word paths on big surfaces with the same result', () => {
    for (const pitch of [1280 * 4, 1280 * 4 + 64]) {
      const spec = { format: XRGB8888, width: 1280, height: 40, pitch };
      const shadow = makeSurface(spec, 1);
      const bo = makeSurface(spec, 2);
      const before = bo.bytes.slice();
      const blit = new ShadowBlitter(shadow, bo);
      const rects = [new Rect(0, 3, 1280, 9), new Rect(100, 20, 104, 30), new Rect(7, 33, 1000, 35)];
      for (const r of rects) blit.blitRect(r);
      for (let i = 0; i < bo.bytes.length; i++) {
        const px = pixelOfByte(bo, i);
        const want = px && rects.some((r) => r.containsPoint(px[0], px[1])) ? shadow.bytes[i] : before[i];
        if (bo.bytes[i] !== want) expect.fail(`pitch ${pitch} byte ${i}`);
      }
    }
  });

  it('refuses surfaces of different geometry (EINVAL)', () => {
    const a = new FbSurface(new Uint8Array(64), 4, 4, 16, XRGB8888);
    const b = new FbSurface(new Uint8Array(64), 8, 4, 16, RGB565);
    expect(() => new ShadowBlitter(a, b))
      .to.throw()
      .that.satisfies((e: unknown) => isKernelError(e, 'EINVAL'));
  });
});
