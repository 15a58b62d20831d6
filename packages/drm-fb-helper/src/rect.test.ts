import { isKernelError } from '@fbemu/gem-shmem';
import { expect } from 'chai';
import fc from 'fast-check';
import { Rect, rectFromXywh } from './rect.js';

const coord = fc.integer({ min: -20, max: 40 });
const arbRect = fc.tuple(coord, coord, coord, coord).map(([a, b, c, d]) => new Rect(a, b, c, d));

/** Pixel membership computed independently of the Rect methods under test. */
function inside(r: Rect, x: number, y: number): boolean {
  return r.x1 <= x && x < r.x2 && r.y1 <= y && y < r.y2;
}

function forEachPixel(fn: (x: number, y: number) => void): void {
  for (let y = -21; y <= 41; y++) for (let x = -21; x <= 41; x++) fn(x, y);
}

describe('Rect', () => {
  it('rectFromXywh builds half-open bounds with width/height', () => {
    const r = rectFromXywh(3, 4, 10, 2);
    expect([r.x1, r.y1, r.x2, r.y2]).to.deep.equal([3, 4, 13, 6]);
    expect(r.width).to.equal(10);
    expect(r.height).to.equal(2);
    expect(r.area).to.equal(20);
  });

  it('rejects negative sizes and non-integers with EINVAL', () => {
    for (const bad of [
      () => rectFromXywh(0, 0, -1, 2),
      () => rectFromXywh(0, 0, 1.5, 2),
      () => new Rect(0, Number.NaN, 1, 1),
      () => new Rect(0, 0, Number.POSITIVE_INFINITY, 1),
    ]) {
      expect(bad)
        .to.throw()
        .that.satisfies((e: unknown) => isKernelError(e, 'EINVAL'));
    }
  });

  it('is empty when it has no pixel; empty rects have zero size and are all equal', () => {
    expect(new Rect(5, 5, 5, 9).isEmpty()).to.equal(true);
    expect(new Rect(5, 9, 7, 3).isEmpty()).to.equal(true);
    expect(new Rect(5, 9, 7, 3).width).to.equal(0);
    expect(new Rect(5, 9, 7, 3).equals(new Rect(1, 1, 0, 0))).to.equal(true);
    expect(new Rect(0, 0, 1, 1).isEmpty()).to.equal(false);
  });

  it('union is the bounding box, with the empty rect as identity', () => {
    fc.assert(
      fc.property(arbRect, arbRect, (a, b) => {
        const u = a.union(b);
        if (a.isEmpty() || b.isEmpty()) {
          expect(u.equals(a.isEmpty() ? b : a)).to.equal(true);
          return;
        }
        expect([u.x1, u.y1, u.x2, u.y2]).to.deep.equal([
          Math.min(a.x1, b.x1),
          Math.min(a.y1, b.y1),
          Math.max(a.x2, b.x2),
          Math.max(a.y2, b.y2),
        ]);
      }),
    );
  });

  it('intersect covers exactly the pixels in both', () => {
    fc.assert(
      fc.property(arbRect, arbRect, (a, b) => {
        const i = a.intersect(b);
        forEachPixel((x, y) => {
          expect(inside(i, x, y)).to.equal(inside(a, x, y) && inside(b, x, y));
        });
      }),
      { numRuns: 60 },
    );
  });

  it('clipTo keeps the pixels inside [0,w)×[0,h)', () => {
    fc.assert(
      fc.property(arbRect, fc.nat(30), fc.nat(30), (a, w, h) => {
        const c = a.clipTo(w, h);
        forEachPixel((x, y) => {
          expect(inside(c, x, y)).to.equal(inside(a, x, y) && x >= 0 && y >= 0 && x < w && y < h);
        });
      }),
      { numRuns: 60 },
    );
  });

  it('translate moves every pixel; equals compares pixels', () => {
    fc.assert(
      fc.property(arbRect, coord, coord, (a, dx, dy) => {
        const t = a.translate(dx, dy);
        expect(t.area).to.equal(a.area);
        if (!a.isEmpty()) expect(t.containsPoint(a.x1 + dx, a.y1 + dy)).to.equal(true);
        expect(t.translate(-dx, -dy).equals(a)).to.equal(true);
        expect(a.equals(t)).to.equal(a.isEmpty() || (dx === 0 && dy === 0));
      }),
    );
  });

  it('containsRect agrees with pixel membership', () => {
    fc.assert(
      fc.property(arbRect, arbRect, (a, b) => {
        let all = true;
        forEachPixel((x, y) => {
          if (inside(b, x, y) && !inside(a, x, y)) all = false;
        });
        expect(a.containsRect(b)).to.equal(all);
      }),
      { numRuns: 60 },
    );
  });
});
