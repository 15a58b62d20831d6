import { Region } from '@fbemu/drm-fb-helper';
import { expect } from 'chai';
import fc from 'fast-check';
import { DamageCoarsener } from './coarsen.js';

const rectArb = (w: number, h: number) =>
  fc
    .tuple(fc.nat(w - 1), fc.nat(h - 1), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }))
    .map(([x, y, rw, rh]) => [x, y, Math.min(w, x + rw), Math.min(h, y + rh)] as const);

function covered(r: Region, w: number, h: number): Uint8Array {
  const m = new Uint8Array(w * h);
  r.forEachRect((x1, y1, x2, y2) => {
    for (let y = y1; y < y2; y++) m.fill(1, y * w + x1, y * w + x2);
  });
  return m;
}

describe('DamageCoarsener (damage above the rect cap of an update)', () => {
  it('damage within the cap is passed on as it is', () => {
    const damage = new Region(512).addXyxy(1, 1, 5, 5).addXyxy(100, 100, 101, 101);
    expect(new DamageCoarsener(2).fit(damage, 200, 200)).to.equal(damage);
  });

  it('a cap of one gets the plain bounding box of the damage (not of its grid squares)', () => {
    const damage = new Region(512).addXyxy(70, 70, 72, 72).addXyxy(130, 10, 140, 12);
    const fit = new DamageCoarsener(1).fit(damage, 300, 200);
    expect(fit.extents().toString()).to.equal(damage.extents().toString());
    expect(fit.numRects).to.equal(1);
  });

  it('property: the result has at most cap rects, covers every damaged pixel, and stays inside the frame', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.array(rectArb(300, 200), { minLength: 1, maxLength: 60 }),
        (cap, rects) => {
          const [w, h] = [300, 200];
          const damage = new Region(512);
          for (const [x1, y1, x2, y2] of rects) damage.addXyxy(x1, y1, x2, y2);
          const fit = new DamageCoarsener(cap).fit(damage, w, h);
          expect(fit.numRects).to.be.within(1, cap);
          const want = covered(damage, w, h);
          const got = covered(fit, w, h);
          for (let i = 0; i < want.length; i++) if (want[i]) expect(got[i], `pixel ${i}`).to.equal(1);
          fit.forEachRect((x1, y1, x2, y2) => {
            expect([x1, y1]).to.satisfy(([x, y]: number[]) => x >= 0 && y >= 0);
            expect(x2).to.be.at.most(w);
            expect(y2).to.be.at.most(h);
          });
        },
      ),
      { numRuns: 100 },
    );
  });
});
