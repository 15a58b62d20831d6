import { isKernelError } from '@fbemu/gem-shmem';
import { expect } from 'chai';
import fc from 'fast-check';
import { Rect } from './rect.js';
import { Region } from './region.js';

const GRID = 24;
const coord = fc.integer({ min: 0, max: GRID });
const arbRect = fc.tuple(coord, coord, coord, coord).map(([a, b, c, d]) => new Rect(a, b, c, d));
const UNCAPPED = 1_000_000;

/** The model: a plain pixel bitmap over the grid. */
function paint(rects: Rect[]): Uint8Array {
  const m = new Uint8Array(GRID * GRID);
  for (const r of rects) {
    for (let y = Math.max(r.y1, 0); y < Math.min(r.y2, GRID); y++) {
      for (let x = Math.max(r.x1, 0); x < Math.min(r.x2, GRID); x++) m[y * GRID + x] = 1;
    }
  }
  return m;
}

function rasterize(region: Region): Uint8Array {
  const m = new Uint8Array(GRID * GRID);
  for (let y = 0; y < GRID; y++)
    for (let x = 0; x < GRID; x++) m[y * GRID + x] = region.containsPoint(x, y) ? 1 : 0;
  return m;
}

describe('Region', () => {
  it('two distant rects stay two rects in two bands', () => {
    const r = new Region().addRect(new Rect(0, 0, 4, 1)).addRect(new Rect(10, 20, 12, 21));
    expect(r.rects().map(String)).to.deep.equal(['(0,0,4,1)', '(10,20,12,21)']);
    expect(r.extents().equals(new Rect(0, 0, 12, 21))).to.equal(true);
    expect(r.area()).to.equal(6);
  });

  it('splits an L-shape into bands and coalesces identical adjacent bands', () => {
    const r = new Region()
      .addRect(new Rect(0, 0, 10, 2))
      .addRect(new Rect(0, 2, 10, 5))
      .addRect(new Rect(0, 5, 3, 6));
    expect(r.rects().map(String)).to.deep.equal(['(0,0,10,5)', '(0,5,3,6)']);
    r.selfCheck();
  });

  it('touching spans in one band merge into one rect', () => {
    const r = new Region().addRect(new Rect(0, 0, 5, 3)).addRect(new Rect(5, 0, 9, 3));
    expect(r.rects().map(String)).to.deep.equal(['(0,0,9,3)']);
  });

  it('union of random rects covers exactly their pixels and keeps the banding invariants', () => {
    fc.assert(
      fc.property(fc.array(arbRect, { maxLength: 12 }), (rects) => {
        const region = Region.fromRects(rects, UNCAPPED);
        region.selfCheck();
        expect(rasterize(region)).to.deep.equal(paint(rects));
        expect(region.area()).to.equal(paint(rects).reduce((s, v) => s + v, 0));
      }),
      { numRuns: 200 },
    );
  });

  it('is canonical: the same pixels in any order give the same rect list', () => {
    fc.assert(
      fc.property(fc.array(arbRect, { maxLength: 8 }), (rects) => {
        const a = Region.fromRects(rects, UNCAPPED);
        const b = Region.fromRects([...rects].reverse(), UNCAPPED);
        expect(a.equals(b)).to.equal(true);
      }),
    );
  });

  it('union of two regions equals adding all their rects', () => {
    fc.assert(
      fc.property(fc.array(arbRect, { maxLength: 6 }), fc.array(arbRect, { maxLength: 6 }), (ra, rb) => {
        const u = Region.fromRects(ra, UNCAPPED).union(Region.fromRects(rb, UNCAPPED));
        u.selfCheck();
        expect(rasterize(u)).to.deep.equal(paint([...ra, ...rb]));
      }),
    );
  });

  it('intersectRect keeps exactly the pixels inside the rect', () => {
    fc.assert(
      fc.property(fc.array(arbRect, { maxLength: 8 }), arbRect, (rects, clip) => {
        const region = Region.fromRects(rects, UNCAPPED).intersectRect(clip);
        region.selfCheck();
        const model = paint(rects);
        const clipped = paint([clip]);
        expect(rasterize(region)).to.deep.equal(model.map((v, i) => v & clipped[i]));
      }),
    );
  });

  it('above the rect cap collapses to the bounding box, which still covers everything', () => {
    fc.assert(
      fc.property(fc.array(arbRect, { maxLength: 16 }), fc.integer({ min: 1, max: 5 }), (rects, cap) => {
        const region = Region.fromRects(rects, cap);
        region.selfCheck();
        expect(region.numRects).to.be.at.most(cap);
        const model = paint(rects);
        model.forEach((v, i) => {
          if (v) expect(region.containsPoint(i % GRID, Math.floor(i / GRID))).to.equal(true);
        });
      }),
    );
  });

  it('a cap of 1 is the kernel bounding-box accumulator; overflowed says so until clear', () => {
    const r = new Region(1).addRect(new Rect(0, 0, 1, 1));
    expect(r.overflowed).to.equal(false);
    r.addRect(new Rect(100, 50, 101, 51));
    expect(r.rects().map(String)).to.deep.equal(['(0,0,101,51)']);
    expect(r.overflowed).to.equal(true);
    expect(r.clear().overflowed).to.equal(false);
  });

  it('translate, clear, clone and copyFrom', () => {
    const r = new Region().addRect(new Rect(1, 1, 3, 3)).addRect(new Rect(5, 5, 6, 6));
    const c = r.clone().translate(10, -1);
    expect(c.rects().map(String)).to.deep.equal(['(11,0,13,2)', '(15,4,16,5)']);
    c.selfCheck();
    expect(r.rects().map(String)).to.deep.equal(['(1,1,3,3)', '(5,5,6,6)']);
    r.clear();
    expect(r.isEmpty()).to.equal(true);
    expect(r.extents().isEmpty()).to.equal(true);
    r.copyFrom(c);
    expect(r.equals(c)).to.equal(true);
  });

  it('containsRect', () => {
    const r = new Region().addRect(new Rect(0, 0, 4, 4)).addRect(new Rect(4, 0, 8, 2));
    expect(r.containsRect(new Rect(2, 0, 7, 2))).to.equal(true);
    expect(r.containsRect(new Rect(2, 0, 7, 3))).to.equal(false);
  });

  it('rejects a cap below 1', () => {
    expect(() => new Region(0))
      .to.throw()
      .that.satisfies((e: unknown) => isKernelError(e, 'EINVAL'));
  });
});
