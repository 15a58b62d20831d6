import { isKernelError } from '@fbemu/gem-shmem';
import { expect } from 'chai';
import fc from 'fast-check';
import { copyarea, fbWrite, fillrect, imageblit, ROP_COPY, ROP_XOR } from './fb-ops.js';
import { XRGB8888 } from './format.js';
import { Rect } from './rect.js';
import { FbSurface } from './surface.js';
import { arbSurfaceSpec, fillSeeded, makeSurface, pixelAt, pixelOfByte } from './test-support.js';

const arbArea = fc.record({ dx: fc.nat(28), dy: fc.nat(14), width: fc.nat(30), height: fc.nat(16) });

/** The request clipped to the surface, computed here from first principles. */
function clipped(s: FbSurface, a: { dx: number; dy: number; width: number; height: number }): Rect {
  const x2 = Math.min(a.dx + a.width, s.width);
  const y2 = Math.min(a.dy + a.height, s.height);
  return a.dx < x2 && a.dy < y2 ? new Rect(a.dx, a.dy, x2, y2) : Rect.EMPTY;
}

/** Asserts every byte outside `r` (padding included) is as in `before`, and returns nothing. */
function expectUntouchedOutside(s: FbSurface, before: Uint8Array, r: Rect): void {
  for (let i = 0; i < s.bytes.length; i++) {
    const px = pixelOfByte(s, i);
    if (px && r.containsPoint(px[0], px[1])) continue;
    if (s.bytes[i] !== before[i]) expect.fail(`byte ${i} (${px ?? 'padding'}) changed outside ${r}`);
  }
}

function maxPixel(s: FbSurface): number {
  return 2 ** s.format.bpp - 1;
}

describe('fb_ops drawing', () => {
  it('fillrect (copy and xor) writes the colour in exactly the clipped rect', () => {
    fc.assert(
      fc.property(
        arbSurfaceSpec,
        arbArea,
        fc.integer(),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.boolean(),
        (spec, a, seed, c, xor) => {
          const s = makeSurface(spec, seed);
          const color = Math.floor(c * maxPixel(s));
          const before = s.bytes.slice();
          const old = new FbSurface(before, s.width, s.height, s.pitch, s.format);
          const r = fillrect(s, { ...a, color, rop: xor ? ROP_XOR : ROP_COPY });
          expect(r.equals(clipped(s, a))).to.equal(true);
          expectUntouchedOutside(s, before, r);
          for (let y = r.y1; y < r.y2; y++) {
            for (let x = r.x1; x < r.x2; x++) {
              const want = xor ? (pixelAt(old, x, y) ^ color) >>> 0 : color;
              expect(pixelAt(s, x, y)).to.equal(want);
            }
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('copyarea moves the source pixels (overlap included) and damages only the destination', () => {
    fc.assert(
      fc.property(arbSurfaceSpec, arbArea, fc.nat(28), fc.nat(14), fc.integer(), (spec, a, sx, sy, seed) => {
        const s = makeSurface(spec, seed);
        const before = s.bytes.slice();
        const old = new FbSurface(before, s.width, s.height, s.pitch, s.format);
        const r = copyarea(s, { ...a, sx, sy });
        const w = Math.min(a.width, s.width - a.dx, s.width - sx);
        const h = Math.min(a.height, s.height - a.dy, s.height - sy);
        const want = w > 0 && h > 0 ? new Rect(a.dx, a.dy, a.dx + w, a.dy + h) : Rect.EMPTY;
        expect(r.equals(want), `${r} vs ${want}`).to.equal(true);
        expectUntouchedOutside(s, before, r);
        for (let y = r.y1; y < r.y2; y++) {
          for (let x = r.x1; x < r.x2; x++) {
            expect(pixelAt(s, x, y)).to.equal(pixelAt(old, sx + x - a.dx, sy + y - a.dy));
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it('copyarea copies overlapping areas in the safe order: down, up, right and left', () => {
    // every pixel distinct, so reading an already overwritten source shows as a wrong value
    const make = () => {
      const s = new FbSurface(new Uint8Array(8 * 6 * 4), 8, 6, 32, XRGB8888);
      for (let i = 0; i < 48; i++) s.u32![i] = 1000 + i;
      return s;
    };
    const cases = [
      { what: 'down by one row', op: { sx: 0, sy: 0, dx: 0, dy: 1, width: 8, height: 5 } },
      { what: 'down by two rows', op: { sx: 1, sy: 1, dx: 1, dy: 3, width: 6, height: 3 } },
      { what: 'up by one row', op: { sx: 0, sy: 1, dx: 0, dy: 0, width: 8, height: 5 } },
      { what: 'up by two rows', op: { sx: 2, sy: 3, dx: 2, dy: 1, width: 5, height: 3 } },
      { what: 'right within rows', op: { sx: 0, sy: 0, dx: 1, dy: 0, width: 7, height: 6 } },
      { what: 'left within rows', op: { sx: 3, sy: 2, dx: 1, dy: 2, width: 5, height: 2 } },
      { what: 'down and right', op: { sx: 0, sy: 0, dx: 2, dy: 1, width: 6, height: 5 } },
    ];
    for (const { what, op } of cases) {
      const s = make();
      const old = s.u32!.slice();
      copyarea(s, op);
      for (let y = 0; y < 6; y++) {
        for (let x = 0; x < 8; x++) {
          const inDst = x >= op.dx && x < op.dx + op.width && y >= op.dy && y < op.dy + op.height;
          const want = inDst ? old[(op.sy + y - op.dy) * 8 + op.sx + x - op.dx] : old[y * 8 + x];
          expect(s.u32![y * 8 + x], `${what}: pixel (${x},${y})`).to.equal(want);
        }
      }
    }
  });

  it('imageblit expands a 1-bpp glyph MSB first with fg/bg, clipped', () => {
    fc.assert(
      fc.property(arbSurfaceSpec, arbArea, fc.integer(), (spec, a, seed) => {
        const s = makeSurface(spec, seed);
        const before = s.bytes.slice();
        const rowBytes = Math.ceil(a.width / 8);
        const data = fillSeeded(new Uint8Array(rowBytes * a.height), seed ^ 0x55);
        const fg = maxPixel(s);
        const bg = 1;
        const r = imageblit(s, { ...a, depth: 1, fgColor: fg, bgColor: bg, data });
        expect(r.equals(clipped(s, a))).to.equal(true);
        expectUntouchedOutside(s, before, r);
        for (let y = r.y1; y < r.y2; y++) {
          for (let x = r.x1; x < r.x2; x++) {
            const i = x - a.dx;
            const bit = data[(y - a.dy) * rowBytes + Math.floor(i / 8)] & (0x80 >> (i % 8));
            expect(pixelAt(s, x, y)).to.equal(bit ? fg : bg);
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it('imageblit copies a full-colour image in the surface format, clipped', () => {
    fc.assert(
      fc.property(arbSurfaceSpec, arbArea, fc.integer(), (spec, a, seed) => {
        const s = makeSurface(spec, seed);
        const before = s.bytes.slice();
        const cpp = s.format.cpp;
        const data = fillSeeded(new Uint8Array(a.width * a.height * cpp), seed + 1);
        const r = imageblit(s, { ...a, depth: s.format.bpp, data });
        expect(r.equals(clipped(s, a))).to.equal(true);
        expectUntouchedOutside(s, before, r);
        for (let y = r.y1; y < r.y2; y++) {
          for (let x = r.x1; x < r.x2; x++) {
            const o = ((y - a.dy) * a.width + (x - a.dx)) * cpp;
            expect([...s.bytes.subarray(s.offsetOf(x, y), s.offsetOf(x, y) + cpp)]).to.deep.equal([
              ...data.subarray(o, o + cpp),
            ]);
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it('rejects bad requests with EINVAL and draws nothing', () => {
    const s = new FbSurface(new Uint8Array(64), 4, 4, 16, XRGB8888);
    const bad = [
      () => fillrect(s, { dx: -1, dy: 0, width: 1, height: 1, color: 0 }),
      () => fillrect(s, { dx: 0, dy: 0, width: 1, height: 1, color: 2 ** 32 }),
      () => fillrect(s, { dx: 0, dy: 0, width: 1, height: 1, color: 1, rop: 7 }),
      () => copyarea(s, { dx: 0, dy: 0, width: 2, height: 2, sx: 0.5, sy: 0 }),
      () => imageblit(s, { dx: 0, dy: 0, width: 8, height: 2, depth: 1, data: new Uint8Array(1) }),
      () => imageblit(s, { dx: 0, dy: 0, width: 1, height: 1, depth: 16, data: new Uint8Array(4) }),
    ];
    for (const f of bad)
      expect(f)
        .to.throw()
        .that.satisfies((e: unknown) => isKernelError(e, 'EINVAL'));
    expect(s.bytes.every((b) => b === 0)).to.equal(true);
  });
});

describe('fbWrite (the fbdev write() path)', () => {
  it('writes in place and returns the count', () => {
    const screen = new Uint8Array(100);
    expect(fbWrite(screen, 100, 10, new Uint8Array([1, 2, 3]))).to.equal(3);
    expect([...screen.subarray(9, 14)]).to.deep.equal([0, 1, 2, 3, 0]);
  });

  it('clamps at the end of the screen and reports the short count', () => {
    const screen = new Uint8Array(100);
    expect(fbWrite(screen, 90, 88, new Uint8Array([7, 7, 7, 7]))).to.equal(2);
    expect([...screen.subarray(87, 92)]).to.deep.equal([0, 7, 7, 0, 0]);
  });

  it('past the end (EFBIG in the kernel, EINVAL here), ENOSPC at the very end, and nothing is written', () => {
    const screen = new Uint8Array(100);
    expect(() => fbWrite(screen, 100, 101, new Uint8Array(1)))
      .to.throw()
      .that.satisfies((e: unknown) => isKernelError(e, 'EINVAL'));
    expect(() => fbWrite(screen, 100, 100, new Uint8Array(1)))
      .to.throw()
      .that.satisfies((e: unknown) => isKernelError(e, 'ENOSPC'));
    expect(screen.every((b) => b === 0)).to.equal(true);
    expect(fbWrite(screen, 100, 0, new Uint8Array(0))).to.equal(0);
  });
});
