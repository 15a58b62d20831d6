import { expect } from 'chai';
import { GemShmemObject, MADV_DONTNEED, MADV_WILLNEED } from './gem-object.js';
import { PageGeometry } from './page.js';
import { codeOf } from './test-support.js';

const geometry = new PageGeometry(4096);
const make = (pages = 3) => new GemShmemObject(pages * 4096, geometry);
const counts = (o: GemShmemObject) => [
  o.refs,
  o.pagesUseCount,
  o.pagesPinCount,
  o.vmapUseCount,
  o.madvState,
  o.hasPages,
];

describe('GemShmemObject', () => {
  it('has pages exactly while the use count is positive, and keeps contents across put/get like shmem', () => {
    const o = make();
    expect(o.hasPages).to.equal(false);
    expect(codeOf(() => o.page(0))).to.equal('SIGBUS');
    o.getPages();
    o.getPages();
    expect(o.pagesUseCount).to.equal(2);
    o.page(1).bytes[5] = 42;
    o.putPages();
    expect(o.hasPages).to.equal(true);
    o.putPages();
    expect(o.hasPages).to.equal(false);
    expect(codeOf(() => o.memory)).to.equal('SIGBUS');
    o.getPages();
    expect(o.page(1).bytes[5]).to.equal(42);
    expect(o.page(1).number).to.equal(1);
  });

  it('pins and vmaps hold one use each; the first vmap pins once, the last vunmap unpins', () => {
    const o = make();
    const view = o.vmap();
    expect(view.length).to.equal(3 * 4096);
    o.vmap();
    expect([o.vmapUseCount, o.pagesPinCount, o.pagesUseCount]).to.deep.equal([2, 1, 1]);
    o.pin();
    expect([o.pagesPinCount, o.pagesUseCount]).to.deep.equal([2, 2]);
    view[4096] = 3;
    expect(o.page(1).bytes[0]).to.equal(3);
    o.vunmap();
    o.vunmap();
    expect([o.vmapUseCount, o.pagesPinCount, o.pagesUseCount]).to.deep.equal([0, 1, 1]);
    o.unpin();
    expect(o.hasPages).to.equal(false);
  });

  it('unbalanced put_pages, unpin and vunmap are EINVAL and change nothing', () => {
    const o = make();
    const before = counts(o);
    expect(codeOf(() => o.putPages())).to.equal('EINVAL');
    expect(codeOf(() => o.unpin())).to.equal('EINVAL');
    expect(codeOf(() => o.vunmap())).to.equal('EINVAL');
    expect(counts(o)).to.deep.equal(before);
  });

  it('unpin cannot take the pin a vmap holds: EINVAL, and vunmap still works', () => {
    const o = make();
    o.vmap();
    expect(codeOf(() => o.unpin())).to.equal('EINVAL');
    expect([o.vmapUseCount, o.pagesPinCount, o.pagesUseCount]).to.deep.equal([1, 1, 1]);
    o.pin();
    o.unpin(); // an explicit pin next to the vmap's is the caller's to drop
    expect(codeOf(() => o.unpin())).to.equal('EINVAL');
    o.vunmap();
    expect([o.vmapUseCount, o.pagesPinCount, o.pagesUseCount, o.hasPages]).to.deep.equal([0, 0, 0, false]);
  });

  it('use after the last put is an error, never a silent resurrection', () => {
    let freed = 0;
    const o = new GemShmemObject(4096, geometry, () => {
      freed += 1;
    });
    o.get();
    o.put();
    expect(freed).to.equal(0);
    o.put();
    expect(freed).to.equal(1);
    for (const fn of [
      () => o.get(),
      () => o.put(),
      () => o.getPages(),
      () => o.vmap(),
      () => o.madvise(MADV_DONTNEED),
    ]) {
      expect(codeOf(fn)).to.equal('EINVAL');
    }
    expect(freed).to.equal(1);
  });

  it('madvise stores the advice and reports whether backing remains; purge is sticky', () => {
    const o = make();
    expect(o.madvise(MADV_DONTNEED)).to.equal(true);
    expect(o.purgeable).to.equal(true);
    expect(o.madvise(MADV_WILLNEED)).to.equal(true);
    expect(o.purgeable).to.equal(false);
    expect(codeOf(() => o.purge())).to.equal('EBUSY');
    o.madvise(MADV_DONTNEED);
    o.purge();
    expect(o.purged).to.equal(true);
    expect(o.madvise(MADV_WILLNEED)).to.equal(false);
    expect(o.madvState).to.equal(-1);
    expect(codeOf(() => o.getPages())).to.equal('ENOMEM');
    expect(codeOf(() => o.vmap())).to.equal('ENOMEM');
    expect(codeOf(() => o.page(0))).to.equal('SIGBUS');
    expect(o.pagesPinCount).to.equal(0);
  });

  it('a pinned or vmapped object is not purgeable', () => {
    const o = make();
    o.madvise(MADV_DONTNEED);
    o.pin();
    expect(o.purgeable).to.equal(false);
    expect(codeOf(() => o.purge())).to.equal('EBUSY');
    o.unpin();
    o.vmap();
    expect(o.purgeable).to.equal(false);
    o.vunmap();
    expect(o.purgeable).to.equal(true);
  });

  it('rejects bad madvise values and out-of-range pages', () => {
    const o = make(2);
    o.getPages();
    const before = counts(o);
    expect(codeOf(() => o.madvise(7 as never))).to.equal('EINVAL');
    expect(codeOf(() => o.page(2))).to.equal('SIGBUS');
    expect(codeOf(() => o.page(-1))).to.equal('SIGBUS');
    expect(codeOf(() => o.page(0.5))).to.equal('SIGBUS');
    expect(counts(o)).to.deep.equal(before);
  });

  it('turns a failed backing allocation into ENOMEM', () => {
    const o = new GemShmemObject(2 ** 53 - 4096, geometry);
    expect(codeOf(() => o.getPages())).to.equal('ENOMEM');
    expect(o.pagesUseCount).to.equal(0);
  });
});
