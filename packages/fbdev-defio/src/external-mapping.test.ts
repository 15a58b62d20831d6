import { expect } from 'chai';
import { VirtualTimeScheduler } from 'rxjs';
import { isKernelError } from './gem.js';
import { framebuffer, pagesOf } from './test-fixtures.js';
import type { ExternalMapping } from './tokens.js';

/** A process's mapping as the front door reports it: written pages (mapping pages) and what the core did. */
class FakeProcessMapping implements ExternalMapping {
  written = new Set<number>();
  cleaned: number[] = [];
  shutdowns: (boolean | undefined)[] = [];
  onWrite: () => void = () => {};
  start(onWrite: () => void): void {
    this.onWrite = onWrite;
  }
  collect(enlist: (page: number) => void): void {
    for (const p of this.written) enlist(p);
  }
  take(enlist: (page: number) => void): void {
    this.collect(enlist);
    this.written.clear();
  }
  mkclean(pages: Int32Array, count: number): void {
    this.cleaned.push(...pages.subarray(0, count));
  }
  shutdown(revoke?: boolean): void {
    this.shutdowns.push(revoke);
  }
  store(...pages: number[]): void {
    for (const p of pages) this.written.add(p);
    this.onWrite();
  }
}

describe('FbDeferredIo.mmapExternal (a real process mapping)', () => {
  it('arms the timer with the first reported write and emits framebuffer pages (pgoff applied) once', () => {
    const vts = new VirtualTimeScheduler();
    const { defio, batches } = framebuffer(8, { delay: 50, sortPagereflist: true }, vts);
    const ext = new FakeProcessMapping();
    defio.mmapExternal(defio.open(), { pgoff: 2, length: 4 * 4096 }, ext);
    ext.store(0, 3);
    vts.schedule(() => ext.store(1, 3), 30);
    vts.flush();
    expect(batches.map((b) => [pagesOf(b), b.armedAt, b.flushedAt])).to.deep.equal([[[2, 3, 5], 0, 50]]);
    expect(ext.cleaned).to.deep.equal([0, 1, 3], 'mkclean gets mapping pages');
    expect(defio.pagerefs[2].page.index).to.equal(2, 'page.index is the file page offset');
  });

  it('drops pages past the framebuffer (SIGBUS for the process) and page numbers that are not pages', () => {
    const vts = new VirtualTimeScheduler();
    const { defio, batches } = framebuffer(4, { delay: 10 }, vts);
    const ext = new FakeProcessMapping();
    defio.mmapExternal(defio.open(), { pgoff: 2, length: 4 * 4096 }, ext);
    ext.store(1, 2, 3, -1, 0.5, Number.NaN, 2 ** 40);
    vts.flush();
    expect(batches.map((b) => pagesOf(b))).to.deep.equal([[3]]);
  });

  it('fsync collects the written pages and flushes them at once', () => {
    const vts = new VirtualTimeScheduler();
    const { defio, batches } = framebuffer(4, { delay: 1000 }, vts);
    const ext = new FakeProcessMapping();
    defio.mmapExternal(defio.open(), { length: 4 * 4096 }, ext);
    ext.written.add(2); // no report yet (an async tracker between two polls)
    defio.fsync();
    expect(batches.map((b) => pagesOf(b))).to.deep.equal([[2]]);
  });

  it('holds the file: the last close flushes only after the mapping is closed, with its last pages', () => {
    const vts = new VirtualTimeScheduler();
    const { defio, batches } = framebuffer(4, { delay: 1000 }, vts);
    const ext = new FakeProcessMapping();
    const file = defio.open();
    const handle = defio.mmapExternal(file, { length: 4 * 4096 }, ext);
    defio.release(file);
    expect(defio.openFiles).to.equal(1);
    ext.written.add(1);
    handle.close();
    handle.close();
    expect(defio.openFiles).to.equal(0);
    expect(batches.map((b) => pagesOf(b))).to.deep.equal([[1]]);
    expect(ext.shutdowns).to.deep.equal([false]);
  });

  it('cleanup flushes, then revokes the process mapping (SIGBUS from then on)', () => {
    const vts = new VirtualTimeScheduler();
    const { defio, batches } = framebuffer(4, { delay: 1000 }, vts);
    const ext = new FakeProcessMapping();
    defio.mmapExternal(defio.open(), { length: 4 * 4096 }, ext);
    ext.store(0);
    defio.cleanup();
    expect(batches.map((b) => pagesOf(b))).to.deep.equal([[0]]);
    expect(ext.shutdowns).to.deep.equal([true]);
  });

  it('rejects a mapping without the ExternalMapping shape, and bad options, leaving the file count unchanged', () => {
    const { defio } = framebuffer(4);
    const file = defio.open();
    for (const [opts, ext, code] of [
      [{ length: 4096 }, {}, 'EINVAL'],
      [{ length: 0 }, new FakeProcessMapping(), 'EINVAL'],
      [{ length: 2 ** 50 }, new FakeProcessMapping(), 'ENOMEM'],
    ] as const) {
      try {
        defio.mmapExternal(file, opts, ext as ExternalMapping);
        expect.fail('expected an error');
      } catch (e) {
        expect(isKernelError(e, code), String(e)).to.equal(true);
      }
    }
    defio.release(file);
    expect(defio.openFiles).to.equal(0);
  });
});
