import { isKernelError } from '@fbemu/gem-shmem';
import { expect } from 'chai';
import { copyRows } from './blit.js';

describe('copyRows', () => {
  const src = Uint8Array.from({ length: 64 }, (_, i) => i + 1);

  it('copies rows between different pitches and touches nothing else', () => {
    const dst = new Uint8Array(40);
    copyRows(src, 6, 16, dst, 1, 10, 3, 2); // source rows at 6 and 22 → 1 and 11
    const want = new Uint8Array(40);
    want.set([7, 8, 9], 1);
    want.set([23, 24, 25], 11);
    expect(dst).to.deep.equal(want);
  });

  it('copies packed rows as one block', () => {
    const dst = new Uint8Array(32);
    copyRows(src, 8, 8, dst, 0, 8, 8, 4);
    expect(dst).to.deep.equal(src.subarray(8, 40));
  });

  it('refuses (EFAULT) a range outside either array instead of clipping, copying nothing', () => {
    const dst = new Uint8Array(16);
    for (const [so, sp, d, dp, len, rows] of [
      [60, 8, 0, 8, 8, 1],
      [0, 8, 12, 8, 8, 1],
      [0, 16, 0, 8, 8, 3],
    ]) {
      expect(() => copyRows(src, so!, sp!, dst, d!, dp!, len!, rows!))
        .to.throw()
        .that.satisfies((e: unknown) => isKernelError(e, 'EFAULT'));
    }
    expect(dst.every((b) => b === 0)).to.equal(true);
  });

  it('refuses (EINVAL) negative, fractional or NaN offsets and pitches, and pitches shorter than a row', () => {
    const dst = new Uint8Array(16);
    for (const [so, sp, d, dp, len, rows] of [
      [8, -8, 0, 8, 4, 2], // a negative source pitch: the second row would come from before the first
      [0, 8, 8, -8, 4, 2],
      [-4, 8, 0, 8, 4, 1],
      [0, 8, -4, 8, 4, 1],
      [0, 2, 0, 8, 4, 2], // rows overlap in the source
      [0, 8, 0, 8, 1.5, 1],
      [Number.NaN, 8, 0, 8, 4, 1],
      [0, 8, 0, 8, 4, -1],
    ]) {
      expect(() => copyRows(src, so!, sp!, dst, d!, dp!, len!, rows!), `${[so, sp, d, dp, len, rows]}`)
        .to.throw()
        .that.satisfies((e: unknown) => isKernelError(e, 'EINVAL'));
    }
    expect(dst.every((b) => b === 0)).to.equal(true);
  });
});
