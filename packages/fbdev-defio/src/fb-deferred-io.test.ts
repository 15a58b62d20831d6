import { expect } from 'chai';
import { Container } from 'inversify';
import { VirtualTimeScheduler } from 'rxjs';
import { DEFAULT_DELAY_MS, FbDeferredIo } from './fb-deferred-io.js';
import { MAX_PAGEREFS } from './framebuffer-memory.js';
import { isKernelError, Page, PageGeometry } from './gem.js';
import { fbdevDefioModule } from './module.js';
import { fbInfo, framebuffer, pagesOf } from './test-fixtures.js';
import { FB_DEFERRED_IO_FACTORY, type FbDeferredIoFactory, SCHEDULER } from './tokens.js';
import { MAX_DELAY_MS } from './validate.js';
import { attachFbMapping } from './worker-mapping.js';

function throwsCode(fn: () => unknown, code: string): void {
  try {
    fn();
  } catch (e) {
    expect(isKernelError(e), String(e)).to.equal(true);
    expect((e as { code: string }).code).to.equal(code);
    return;
  }
  expect.fail(`expected ${code}`);
}

describe('FbDeferredIo init (fb_deferred_io_init)', () => {
  const vts = () => new VirtualTimeScheduler();

  it('fails with EINVAL when smem_len is 0', () => {
    throwsCode(() => new FbDeferredIo(fbInfo(0), {}, vts()), 'EINVAL');
  });

  it('fails with ENOMEM when the pageref table cannot be allocated', () => {
    const getPage = () => undefined;
    throwsCode(() => new FbDeferredIo(fbInfo((MAX_PAGEREFS + 1) * 4096), { getPage }, vts()), 'ENOMEM');
  });

  for (const [smemLen, pageSize] of [
    [4096, 4096],
    [4097, 4096],
    [3 * 4096 - 1, 4096],
    [100_000, 16384],
    [65536 * 2, 65536],
  ]) {
    it(`has ceil(${smemLen} / ${pageSize}) pagerefs, pageref i at byte i·PAGE_SIZE`, () => {
      const geometry = new PageGeometry(pageSize);
      const defio = new FbDeferredIo(fbInfo(smemLen), { pageGeometry: geometry }, vts());
      const expected = Math.ceil(smemLen / pageSize);
      expect(defio.pagerefs).to.have.length(expected);
      defio.pagerefs.forEach((ref, i) => {
        expect(ref.offset).to.equal(i * pageSize);
        expect(ref.page.bytes.byteLength).to.equal(pageSize);
        expect(ref.page.byteOffset).to.equal(i * pageSize);
      });
    });
  }

  it('uses 1000 ms when delay is 0 or absent, the configured delay otherwise', () => {
    expect(new FbDeferredIo(fbInfo(4096), { delay: 0 }, vts()).delay).to.equal(DEFAULT_DELAY_MS);
    expect(new FbDeferredIo(fbInfo(4096), {}, vts()).delay).to.equal(1000);
    expect(new FbDeferredIo(fbInfo(4096), { delay: 50 }, vts()).delay).to.equal(50);
  });

  it('accepts delays up to 2^31 − 1 ms and fires them then (virtual time); 2^31 and more are EINVAL', () => {
    const scheduler = vts();
    const { defio, batches } = framebuffer(1, { delay: MAX_DELAY_MS }, scheduler);
    defio.mmap(defio.open(), { length: 4096 }).setUint8(0, 1);
    scheduler.flush();
    expect(batches.map((b) => b.flushedAt)).to.deep.equal([2 ** 31 - 1]);
    for (const delay of [2 ** 31, 2 ** 32 + 5, 1e12])
      throwsCode(() => new FbDeferredIo(fbInfo(4096), { delay }, vts()), 'EINVAL');
  });

  it('refuses framebuffer memory that ends past 2 GiB of its buffer with ENOMEM; up to 2 GiB it works', () => {
    // SharedArrayBuffers are zero pages until touched: these cost address space, not memory
    throwsCode(() => new FbDeferredIo(fbInfo(2 ** 31 + 4096), {}, vts()), 'ENOMEM');
    const big = new SharedArrayBuffer(2 ** 31 + 8192);
    const pagesAt = (base: number) => {
      const pages = [0, 1].map((i) => new Page(big, base + i * 4096, 4096, i));
      return (offset: number) => pages[offset / 4096];
    };
    throwsCode(() => new FbDeferredIo(fbInfo(8192), { getPage: pagesAt(2 ** 31) }, vts()), 'ENOMEM');
    throwsCode(() => new FbDeferredIo(fbInfo(8192), { getPage: pagesAt(2 ** 31 - 4096) }, vts()), 'ENOMEM');
    const defio = new FbDeferredIo(fbInfo(8192), { getPage: pagesAt(2 ** 31 - 8192) }, vts());
    const map = defio.mmap(defio.open(), { length: 8192 });
    map.setUint32(8188, 0x01020304);
    map.setUint16(4096, 0x0506);
    expect([map.getUint32(8188), map.getUint16(4096)]).to.deep.equal([0x01020304, 0x0506]);
    expect(new DataView(big).getUint32(2 ** 31 - 4, true)).to.equal(0x01020304);
  });

  it('uses a caller-supplied screen buffer as the framebuffer memory', () => {
    const screenBuffer = new SharedArrayBuffer(2 * 4096);
    const defio = new FbDeferredIo({ ...fbInfo(2 * 4096), screenBuffer }, {}, vts());
    const map = defio.mmap(defio.open(), { length: 8192 });
    map.setUint32(4100, 0xdeadbeef);
    expect(new DataView(screenBuffer).getUint32(4100, true)).to.equal(0xdeadbeef);
  });

  it('calls the deferred_io callback once per batch', () => {
    const seen: number[][] = [];
    const scheduler = vts();
    const defio = new FbDeferredIo(
      fbInfo(4 * 4096),
      { delay: 10, deferredIo: (b) => seen.push(pagesOf(b)) },
      scheduler,
    );
    const map = defio.mmap(defio.open(), { length: 4 * 4096 });
    map.setUint8(3 * 4096, 1);
    map.setUint8(1 * 4096, 1);
    scheduler.flush();
    expect(seen).to.deep.equal([[3, 1]]);
  });
});

describe('FbDeferredIo faults and write tracking', () => {
  it('never enlists on loads, and a load does not make a page writable', () => {
    const { defio, batches } = framebuffer(4, { delay: 10 });
    const map = defio.mmap(defio.open(), { length: 4 * 4096 });
    map.getUint32(0);
    map.read(4096, 8192);
    defio.fsync();
    expect(defio.pending).to.equal(false);
    expect(batches).to.have.length(0);
    map.setUint32(0, 7);
    expect(defio.pending).to.equal(true);
  });

  it('enlists a page once however many mappings write it', () => {
    const { defio, batches } = framebuffer(4, { delay: 10 });
    const file = defio.open();
    const a = defio.mmap(file, { length: 4 * 4096 });
    const b = defio.mmap(defio.open(), { length: 4 * 4096 });
    a.setUint32(8192, 1);
    b.setUint32(8196, 2);
    b.fill(8192, 100, 3);
    a.setUint32(0, 1);
    defio.fsync();
    expect(batches.map((x) => pagesOf(x))).to.deep.equal([[2, 0]]);
  });

  it('write-protects flushed pages in every mapping, so the next store from any of them re-enlists', () => {
    const { defio, batches } = framebuffer(2, { delay: 10 });
    const a = defio.mmap(defio.open(), { length: 8192 });
    const b = defio.mmap(defio.open(), { length: 8192 });
    a.setUint8(5, 1);
    b.setUint8(6, 1);
    defio.fsync();
    b.setUint8(7, 1);
    defio.fsync();
    a.setUint8(8, 1);
    defio.fsync();
    expect(batches.map((x) => pagesOf(x))).to.deep.equal([[0], [0], [0]]);
  });

  it('write-protects before it emits: a consumer storing into a page of its batch gets a second batch', () => {
    const { defio, batches } = framebuffer(2, { delay: 10 });
    const map = defio.mmap(defio.open(), { length: 8192 });
    let stored = false;
    defio.pagerefs$.subscribe(() => {
      if (stored) return;
      stored = true;
      map.setUint8(4096 + 9, 7); // the page is being flushed: this store must enlist it again
    });
    map.setUint8(4096, 1);
    defio.fsync();
    expect(defio.pending).to.equal(true);
    defio.fsync();
    expect(batches.map((x) => [x.cycle, pagesOf(x)])).to.deep.equal([
      [1, [1]],
      [2, [1]],
    ]);
  });

  it('sorted lists are ascending, unsorted lists keep first-dirtied order', () => {
    const order = [5, 1, 7, 3, 0, 6];
    for (const sortPagereflist of [false, true]) {
      const { defio, batches } = framebuffer(8, { delay: 10, sortPagereflist });
      const map = defio.mmap(defio.open(), { length: 8 * 4096 });
      for (const p of order) map.setUint16(p * 4096 + 10, p);
      map.setUint16(5 * 4096, 1);
      defio.fsync();
      const expected = sortPagereflist ? [...order].sort((x, y) => x - y) : order;
      expect(pagesOf(batches[0])).to.deep.equal(expected);
      expect(batches[0].sorted).to.equal(sortPagereflist);
    }
  });

  it('sorts long lists too (bitmap walk)', () => {
    const { defio, batches } = framebuffer(300, { delay: 10, sortPagereflist: true });
    const map = defio.mmap(defio.open(), { length: 300 * 4096 });
    const order = Array.from({ length: 300 }, (_, i) => (i * 7919) % 300);
    for (const p of order) map.setUint8(p * 4096, 1);
    defio.fsync();
    expect(pagesOf(batches[0])).to.deep.equal(Array.from({ length: 300 }, (_, i) => i));
  });

  it('takes pageref offsets from the mapping pgoff (kernel ≥ 6.9), and sets page.index = pgoff', () => {
    const { defio, batches } = framebuffer(8, { delay: 10 });
    const map = defio.mmap(defio.open(), { pgoff: 5, length: 2 * 4096 });
    map.setUint32(4096 + 12, 0x11223344);
    defio.fsync();
    expect(pagesOf(batches[0])).to.deep.equal([6]);
    expect(batches[0].pagerefs[0].page.index).to.equal(6);
    expect(new DataView(defio.memory.memory).getUint32(6 * 4096 + 12, true)).to.equal(0x11223344);
  });

  it('raises SIGBUS for faults past smem_len and before the framebuffer start', () => {
    const { defio } = framebuffer(2, { delay: 10 });
    const tail = defio.mmap(defio.open(), { pgoff: 1, length: 2 * 4096 });
    tail.setUint8(0, 1);
    throwsCode(() => tail.setUint8(4096, 1), 'SIGBUS');
    throwsCode(() => tail.getUint8(4096), 'SIGBUS');
    const head = defio.mmap(defio.open(), { pgoff: 0, fileBase: 1, length: 2 * 4096 });
    throwsCode(() => head.setUint8(0, 1), 'SIGBUS');
    head.setUint8(4096, 9);
    const whole = defio.mmap(defio.open(), { length: 2 * 4096 });
    expect([whole.getUint8(0), whole.getUint8(4096)]).to.deep.equal([9, 1]);
  });

  it('raises SIGBUS when the get_page hook has no page at fault time', () => {
    const memory = new SharedArrayBuffer(2 * 4096);
    const pages = [new Page(memory, 0, 4096, 0), new Page(memory, 4096, 4096, 1)];
    let present = true;
    const getPage = (offset: number) => (present ? pages[offset / 4096] : undefined);
    const defio = new FbDeferredIo(fbInfo(2 * 4096), { getPage }, new VirtualTimeScheduler());
    const map = defio.mmap(defio.open(), { length: 8192 });
    present = false;
    throwsCode(() => map.setUint8(0, 1), 'SIGBUS');
    expect(defio.pending).to.equal(false);
  });

  it('raises SIGBUS when a page does not lie in the framebuffer buffer in page order', () => {
    const memory = new SharedArrayBuffer(2 * 4096);
    const pages = [new Page(memory, 4096, 4096, 0), new Page(memory, 0, 4096, 1)];
    const defio = new FbDeferredIo(
      fbInfo(2 * 4096),
      { getPage: (o) => pages[o / 4096] },
      new VirtualTimeScheduler(),
    );
    const map = defio.mmap(defio.open(), { length: 8192 });
    map.setUint8(0, 1);
    throwsCode(() => map.setUint8(4096, 1), 'SIGBUS');
  });

  it('marks the fbdev write() range dirty like stores', () => {
    const { defio, batches } = framebuffer(8, { delay: 10 });
    defio.markDirty(4095, 2);
    defio.markDirty(5 * 4096, 4096);
    defio.fsync();
    expect(pagesOf(batches[0])).to.deep.equal([0, 1, 5]);
  });

  it('bracketed access enlists the range before the body and again if a writeback ran inside it', () => {
    const { defio, batches } = framebuffer(4, { delay: 10 });
    const map = defio.mmap(defio.open(), { length: 4 * 4096 });
    map.access(4000, 200, (view) => {
      expect(defio.pending).to.equal(true);
      view.fill(1, 0, 100);
      defio.fsync();
      view.fill(2, 100);
    });
    defio.fsync();
    expect(batches.map((b) => pagesOf(b))).to.deep.equal([
      [0, 1],
      [0, 1],
    ]);
    expect([...map.read(4000, 100)].every((v) => v === 1)).to.equal(true);
    expect([...map.read(4100, 100)].every((v) => v === 2)).to.equal(true);
  });

  it('stores land in the framebuffer at (pgoff − fileBase)·PAGE_SIZE + a, little-endian', () => {
    const { defio } = framebuffer(4);
    const map = defio.mmap(defio.open(), { pgoff: 12, fileBase: 10, length: 2 * 4096 });
    map.setUint32(6, 0x01020304);
    map.setUint16(4095, 0xaabb);
    map.write(100, new Uint8Array([9, 8, 7]));
    const fb = new Uint8Array(defio.memory.memory);
    expect([...fb.subarray(2 * 4096 + 6, 2 * 4096 + 10)]).to.deep.equal([4, 3, 2, 1]);
    expect([fb[3 * 4096 - 1], fb[3 * 4096]]).to.deep.equal([0xbb, 0xaa]);
    expect([...fb.subarray(2 * 4096 + 100, 2 * 4096 + 103)]).to.deep.equal([9, 8, 7]);
    expect(map.getUint32(6)).to.equal(0x01020304);
    expect(map.getUint16(4095)).to.equal(0xaabb);
    expect(map.getUint32(7)).to.equal(0x00010203);
  });

  it('tracks 16 KiB pages on a 16 KiB-page device', () => {
    const scheduler = new VirtualTimeScheduler();
    const geometry = new PageGeometry(16384);
    const defio = new FbDeferredIo(fbInfo(3 * 16384 - 100), { pageGeometry: geometry, delay: 3 }, scheduler);
    const offsets: number[][] = [];
    defio.pagerefs$.subscribe((b) => offsets.push(b.pagerefs.map((p) => p.offset)));
    const map = defio.mmap(defio.open(), { pgoff: 1, length: 3 * 16384 });
    map.setUint32(20_000, 1);
    map.setUint8(16383, 1);
    scheduler.flush();
    expect(offsets).to.deep.equal([[2 * 16384, 16384]]);
    expect(() => map.setUint8(2 * 16384, 1)).to.throw('SIGBUS');
  });

  it('loads read the framebuffer at (pgoff − fileBase)·PAGE_SIZE + a, on faulting and on mapped pages', () => {
    const { defio } = framebuffer(4);
    const fb = new DataView(defio.memory.memory);
    for (let i = 0; i < 4 * 4096; i += 4) fb.setUint32(i, (i * 2654435761) >>> 0, true);
    const map = defio.mmap(defio.open(), { pgoff: 3, fileBase: 1, length: 2 * 4096 });
    const worker = attachFbMapping(map.share());
    for (const a of [0, 2, 4, 1234, 4092, 4096, 8188]) {
      const at = 2 * 4096 + a;
      for (let pass = 0; pass < 2; pass++) {
        expect(map.getUint32(a), `u32 @${a}`).to.equal(fb.getUint32(at, true));
        expect(map.getUint16(a), `u16 @${a}`).to.equal(fb.getUint16(at, true));
        expect(map.getUint8(a + 1), `u8 @${a + 1}`).to.equal(fb.getUint8(at + 1));
      }
      expect(worker.getUint32(a)).to.equal(fb.getUint32(at, true));
      expect(worker.getUint16(a + 1)).to.equal(fb.getUint16(at + 1, true));
    }
    expect([map.length, worker.length]).to.deep.equal([8192, 8192]);
    worker.close();
    expect(() => worker.getUint8(0)).to.throw('EFAULT');
    expect(map.getUint8(0)).to.equal(fb.getUint8(2 * 4096));
  });

  it('empty spans touch nothing, even in a mapping that lies past the framebuffer', () => {
    const { defio, batches } = framebuffer(2, { delay: 5 });
    const map = defio.mmap(defio.open(), { pgoff: 1, length: 3 * 4096 });
    for (const offset of [0, 4096, 3 * 4096 - 2]) {
      map.write(offset, new Uint8Array(0));
      map.fill(offset, 0, 1);
      expect(map.read(offset, 0)).to.have.length(0);
    }
    defio.fsync();
    expect(batches).to.have.length(0);
  });

  it('an unaligned 32-bit store across a page boundary enlists both pages', () => {
    const { defio, batches } = framebuffer(2, { delay: 10 });
    const map = defio.mmap(defio.open(), { length: 8192 });
    map.setUint32(4094, 0xffffffff);
    defio.fsync();
    expect(pagesOf(batches[0])).to.deep.equal([0, 1]);
  });
});

describe('FbDeferredIo lifetime', () => {
  it('counts opens; only the last release flushes, and a mapping keeps its file open', () => {
    const { defio, batches } = framebuffer(2, { delay: 10 });
    const f1 = defio.open();
    const f2 = defio.open();
    const map = defio.mmap(f1, { length: 8192 });
    map.setUint8(0, 1);
    defio.release(f2);
    expect(batches).to.have.length(0);
    defio.release(f1);
    expect(defio.openFiles).to.equal(1);
    expect(batches).to.have.length(0);
    map.close();
    expect(defio.openFiles).to.equal(0);
    expect(batches.map((b) => pagesOf(b))).to.deep.equal([[0]]);
  });

  it('cleanup flushes, completes pagerefs$, and later faults raise SIGBUS; a second cleanup is harmless', () => {
    const { defio, batches } = framebuffer(2, { delay: 10 });
    let completed = 0;
    defio.pagerefs$.subscribe({ complete: () => completed++ });
    const map = defio.mmap(defio.open(), { length: 8192 });
    map.setUint8(0, 5);
    map.getUint8(4096);
    defio.cleanup();
    expect(batches.map((b) => pagesOf(b))).to.deep.equal([[0]]);
    expect(completed).to.equal(1);
    throwsCode(() => map.setUint8(0, 1), 'SIGBUS');
    throwsCode(() => map.setUint8(4096, 1), 'SIGBUS');
    expect(map.getUint8(0)).to.equal(5);
    throwsCode(() => defio.open(), 'ENODEV');
    defio.cleanup();
    expect(completed).to.equal(1);
    expect(batches).to.have.length(1);
  });
});

describe('fbdevDefioModule', () => {
  it('binds a factory that builds FbDeferredIo on the injected scheduler', async () => {
    const container = new Container();
    const scheduler = new VirtualTimeScheduler();
    container.bind(SCHEDULER).toConstantValue(scheduler);
    await container.load(fbdevDefioModule);
    const create = container.get<FbDeferredIoFactory>(FB_DEFERRED_IO_FACTORY);
    const defio = create(fbInfo(4096), { delay: 7 });
    const stamps: number[] = [];
    defio.pagerefs$.subscribe((b) => stamps.push(b.armedAt, b.flushedAt));
    defio.mmap(defio.open(), { length: 4096 }).setUint8(0, 1);
    scheduler.flush();
    expect(stamps).to.deep.equal([0, 7]);
  });
});
