import { expect } from 'chai';
import { isKernelError, KernelError } from './errors.js';
import { Page, PageGeometry } from './page.js';

describe('PageGeometry', () => {
  it('derives shift and mask for the page sizes Linux runs with', () => {
    for (const [size, shift] of [
      [4096, 12],
      [16384, 14],
      [65536, 16],
    ]) {
      const g = new PageGeometry(size);
      expect(g.shift).to.equal(shift);
      expect(g.mask).to.equal(size - 1);
    }
  });

  it('aligns, counts and locates pages beyond 2^32 bytes', () => {
    const g = new PageGeometry(4096);
    expect(g.align(1)).to.equal(4096);
    expect(g.align(4096)).to.equal(4096);
    expect(g.align(4097)).to.equal(8192);
    expect(g.pages(0)).to.equal(0);
    expect(g.pages(8193)).to.equal(3);
    expect(g.pageOf(2 ** 40 + 4095)).to.equal(2 ** 28);
    expect(g.isAligned(2 ** 33)).to.equal(true);
  });

  it('rejects page sizes the kernel does not use with EINVAL', () => {
    for (const bad of [0, 1000, 8192, 2048, -4096, Number.NaN]) {
      expect(() => new PageGeometry(bad))
        .to.throw(KernelError)
        .with.property('code', 'EINVAL');
    }
  });
});

describe('Page', () => {
  it('views exactly its bytes of the shared memory', () => {
    const memory = new SharedArrayBuffer(3 * 4096);
    const page = new Page(memory, 4096, 4096, 1);
    page.bytes[0] = 7;
    page.bytes[4095] = 9;
    const all = new Uint8Array(memory);
    expect([all[4095], all[4096], all[8191], all[8192]]).to.deep.equal([0, 7, 9, 0]);
    expect(page.index).to.equal(-1);
  });
});

describe('KernelError', () => {
  it('carries errno names and numbers, SIGBUS as signal 7', () => {
    const e = new KernelError('EACCES', 'no');
    expect(e.errno).to.equal(13);
    expect(e.message).to.equal('EACCES: no');
    expect(new KernelError('SIGBUS', 'x').errno).to.equal(7);
    expect(isKernelError(e, 'EACCES')).to.equal(true);
    expect(isKernelError(e, 'EINVAL')).to.equal(false);
    expect(isKernelError(new Error('x'))).to.equal(false);
  });
});
