import { expect } from 'chai';
import fc from 'fast-check';
import { mapToPlane } from './pointer-map.js';

describe('mapToPlane', () => {
  const plane = { x: 100, y: 50, width: 320, height: 240 };

  it('a 1:1 plane at an offset: exactly (x - plane.x, y - plane.y) on the plane', () => {
    expect(mapToPlane(100, 50, plane)).to.deep.equal({ x: 0, y: 0, inside: true });
    expect(mapToPlane(419, 289, plane)).to.deep.equal({ x: 319, y: 239, inside: true });
    expect(mapToPlane(237, 111, plane)).to.deep.equal({ x: 137, y: 61, inside: true });
  });

  it('off the plane: clamped to its edge and marked outside', () => {
    expect(mapToPlane(99, 49, plane)).to.deep.equal({ x: 0, y: 0, inside: false });
    expect(mapToPlane(420, 100, plane)).to.deep.equal({ x: 319, y: 50, inside: false });
    expect(mapToPlane(5000, -5000, plane)).to.deep.equal({ x: 319, y: 0, inside: false });
  });

  it('a plane showing a framebuffer of another size scales onto every fb pixel', () => {
    expect(mapToPlane(100 + 319, 50 + 239, plane, 640, 480)).to.deep.equal({ x: 638, y: 478, inside: true });
    expect(mapToPlane(100 + 160, 50 + 120, plane, 640, 480)).to.deep.equal({ x: 320, y: 240, inside: true });
    expect(mapToPlane(100 + 319, 50 + 239, plane, 160, 120)).to.deep.equal({ x: 159, y: 119, inside: true });
  });

  it('property: 1:1 inside points map exactly and round-trip; results always lie in the framebuffer', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -2000, max: 2000 }),
        fc.integer({ min: -2000, max: 2000 }),
        fc.integer({ min: -500, max: 500 }),
        fc.integer({ min: -500, max: 500 }),
        fc.integer({ min: 1, max: 800 }),
        fc.integer({ min: 1, max: 800 }),
        (x, y, px, py, w, h) => {
          const p = { x: px, y: py, width: w, height: h };
          const m = mapToPlane(x, y, p);
          expect(m.x).to.be.within(0, w - 1);
          expect(m.y).to.be.within(0, h - 1);
          expect(m.inside).to.equal(x >= px && x < px + w && y >= py && y < py + h);
          if (m.inside) expect([m.x + px, m.y + py]).to.deep.equal([x, y]);
        },
      ),
    );
  });
});
