import { expect } from 'chai';
import { expandGrey, greyLevel, greyStride, lumaOf, packGreyRow, unpackGreyLevel } from './grey.js';

describe('grey conversion', () => {
  it('computes BT.601 luma in integers', () => {
    expect(lumaOf(0xffffffff)).to.equal(255);
    expect(lumaOf(0xff000000)).to.equal(0);
    expect(lumaOf(0xffff0000)).to.equal(77); // (255·77 + 128) >> 8
    expect(lumaOf(0xff00ff00)).to.equal(149); // (255·150 + 128) >> 8
    expect(lumaOf(0xff0000ff)).to.equal(29); // (255·29 + 128) >> 8
  });

  it('quantizes and expands levels per depth', () => {
    expect([greyLevel(127, 1), greyLevel(128, 1)]).to.deep.equal([0, 1]);
    expect(greyLevel(200, 4)).to.equal(12);
    expect(expandGrey(12, 4)).to.equal(204);
    expect(expandGrey(1, 1)).to.equal(255);
    expect(expandGrey(77, 8)).to.equal(77);
  });

  it('packs most significant bits first and pads the last byte', () => {
    const row = new Uint8Array(2);
    packGreyRow(Uint8Array.of(1, 0, 1, 1, 0, 0, 0, 0, 1), 9, 1, row, 0);
    expect([...row]).to.deep.equal([0b10110000, 0b10000000]);
    const nib = new Uint8Array(2);
    packGreyRow(Uint8Array.of(0xa, 0x3, 0xf), 3, 4, nib, 0);
    expect([...nib]).to.deep.equal([0xa3, 0xf0]);
    expect(greyStride(9, 1)).to.equal(2);
    expect([0, 1, 2].map((i) => unpackGreyLevel(nib, 0, i, 4))).to.deep.equal([0xa, 0x3, 0xf]);
    expect(unpackGreyLevel(row, 0, 8, 1)).to.equal(1);
  });
});
