import { expect } from 'chai';
import fc from 'fast-check';
import { Container } from 'inversify';
import { GemDevice } from './device.js';
import { dumbLayout } from './dumb.js';
import { GemShmemObject, MADV_DONTNEED } from './gem-object.js';
import { gemShmemModule } from './module.js';
import { VmaOffsetManager } from './offset-manager.js';
import { PageGeometry } from './page.js';
import { codeOf } from './test-support.js';
import { GEM_DEVICE, GEM_DEVICE_OPTIONS } from './tokens.js';

const G4 = new PageGeometry(4096);
/** A window at 0 so tests can mount objects at small, readable offsets. */
const small = () => new GemDevice({ offsetWindow: { startPage: 0, pages: 1 << 20 } });
const state = (d: GemDevice) =>
  JSON.stringify(
    d.offsets.list().map((n) => [n.start, n.pages, n.owner.refs, n.owner.handleCount, n.owner.pagesUseCount]),
  );

describe('dumbLayout', () => {
  it('computes pitch = ceil(width·bpp/8) and size = PAGE_ALIGN(pitch·height)', () => {
    expect(dumbLayout({ width: 1024, height: 768, bpp: 32 }, G4)).to.deep.equal({
      pitch: 4096,
      size: 3145728,
    });
    expect(dumbLayout({ width: 1280, height: 800, bpp: 32 }, G4)).to.deep.equal({
      pitch: 5120,
      size: 4096000,
    });
    expect(dumbLayout({ width: 3, height: 3, bpp: 1 }, G4)).to.deep.equal({ pitch: 1, size: 4096 });
    expect(dumbLayout({ width: 101, height: 7, bpp: 24 }, new PageGeometry(16384))).to.deep.equal({
      pitch: 303,
      size: 16384,
    });
  });

  it('property: pitch and size follow the formula for every valid geometry', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 1, max: 5000 }),
        fc.constantFrom(1, 2, 4, 8, 16, 24, 32),
        (width, height, bpp) => {
          const { pitch, size } = dumbLayout({ width, height, bpp }, G4);
          expect(pitch * 8).to.be.at.least(width * bpp);
          expect((pitch - 1) * 8).to.be.below(width * bpp);
          expect(size % 4096).to.equal(0);
          expect(size).to.be.at.least(pitch * height);
          expect(size - pitch * height).to.be.below(4096);
        },
      ),
    );
  });

  it('EINVAL on zero, negative, non-integer, unsupported bpp and u32 overflow', () => {
    const bad = [
      { width: 0, height: 1, bpp: 32 },
      { width: 1, height: 0, bpp: 32 },
      { width: 1, height: 1, bpp: 0 },
      { width: -4, height: 1, bpp: 32 },
      { width: 1.5, height: 1, bpp: 32 },
      { width: 1, height: Number.NaN, bpp: 32 },
      { width: 1, height: 1, bpp: 12 },
      { width: 1, height: 1, bpp: 33 },
      { width: 2 ** 30, height: 1, bpp: 32 },
      { width: 65536, height: 65536, bpp: 32 },
      { width: '8', height: 1, bpp: 32 },
    ];
    for (const args of bad)
      expect(
        codeOf(() => dumbLayout(args as never, G4)),
        JSON.stringify(args),
      ).to.equal('EINVAL');
    expect(codeOf(() => dumbLayout(null as never, G4))).to.equal('EINVAL');
  });
});

describe('GemDevice', () => {
  it('dumb create gives handle 1.., a page-aligned fake offset ≥ 4 GiB by default, and map_dumb returns it', () => {
    const d = new GemDevice();
    const f = d.open();
    const a = d.dumbCreate(f, { width: 64, height: 64, bpp: 32 });
    const b = d.dumbCreate(f, { width: 64, height: 64, bpp: 32 });
    expect([a.handle, b.handle]).to.deep.equal([1, 2]);
    const oa = d.mapDumb(f, a.handle);
    const ob = d.mapDumb(f, b.handle);
    expect(oa).to.be.at.least(2 ** 32);
    expect(oa % 4096).to.equal(0);
    expect(ob).to.be.at.least(oa + a.size);
    expect(d.lookup(f, a.handle).refs).to.equal(1); // the handle owns the object
  });

  it('handles are per file: another file neither sees them nor may mmap the object', () => {
    const d = small();
    const f1 = d.open();
    const f2 = d.open();
    const { handle, size } = d.dumbCreate(f1, { width: 32, height: 32, bpp: 32 });
    const offset = d.mapDumb(f1, handle);
    expect(codeOf(() => d.lookup(f2, handle))).to.equal('ENOENT');
    expect(codeOf(() => d.mapDumb(f2, handle))).to.equal('ENOENT');
    expect(codeOf(() => d.mmap(f2, offset, size))).to.equal('EACCES');
    const h2 = d.handleCreate(f2, d.lookup(f1, handle)); // like GEM_OPEN of a flink name
    expect(h2).to.equal(1);
    expect(d.lookup(f1, handle).refs).to.equal(1); // still one handle reference: handle_count 0→1 only takes one
    expect(d.mmap(f2, offset, size).pageCount).to.equal(size / 4096);
  });

  it('mmap must start exactly at an object and not run past it (EINVAL)', () => {
    const d = small();
    const f = d.open();
    const { handle, size } = d.dumbCreate(f, { width: 32, height: 64, bpp: 32 }, 40960); // 2 pages at page 10
    expect(d.mapDumb(f, handle)).to.equal(40960);
    const before = state(d);
    expect(codeOf(() => d.mmap(f, 40960 + 4096, 4096))).to.equal('EINVAL');
    expect(codeOf(() => d.mmap(f, 40960, size + 1))).to.equal('EINVAL');
    expect(codeOf(() => d.mmap(f, 40961, 4096))).to.equal('EINVAL');
    expect(codeOf(() => d.mmap(f, 0, 4096))).to.equal('EINVAL');
    expect(codeOf(() => d.mmap(f, 40960, 0))).to.equal('EINVAL');
    expect(codeOf(() => d.mmap(f, -4096, 4096))).to.equal('EINVAL');
    expect(state(d)).to.equal(before);
    const m = d.mmap(f, 40960, 4096);
    expect(m.pageCount).to.equal(1);
    expect(d.lookup(f, handle).pagesUseCount).to.equal(1);
  });

  it('a fault through a mapping at a non-zero offset sets page.index = pgoff + j, not the page number', () => {
    const d = small();
    const f = d.open();
    const { handle, size } = d.dumbCreate(f, { width: 1024, height: 3, bpp: 32 }, 0xff000);
    const m = d.mmap(f, d.mapDumb(f, handle), size);
    const p = m.fault(2);
    expect(p.number).to.equal(2);
    expect(p.index).to.equal(0xff + 2);
    p.bytes[0] = 0x5a;
    expect(d.lookup(f, handle).vmap()[2 * 4096]).to.equal(0x5a);
    expect(codeOf(() => m.fault(3))).to.equal('SIGBUS');
  });

  it('mounts objects at explicit offsets: EINVAL unaligned or outside, EBUSY on overlap, state unchanged', () => {
    const d = small();
    const f = d.open();
    const a = d.lookup(f, d.dumbCreate(f, { width: 1024, height: 4, bpp: 32 }).handle);
    const b = d.lookup(f, d.dumbCreate(f, { width: 1024, height: 4, bpp: 32 }).handle);
    d.mountObject(a, 0x100000);
    d.mountObject(b, 0x200000);
    const before = state(d);
    expect(codeOf(() => d.mountObject(b, 0x100000 + 4096))).to.equal('EBUSY');
    expect(codeOf(() => d.mountObject(b, 0x200001))).to.equal('EINVAL');
    expect(codeOf(() => d.mountObject(b, 2 ** 60))).to.equal('EINVAL');
    expect(codeOf(() => d.mountObject(b, -4096))).to.equal('EINVAL');
    expect(state(d)).to.equal(before);
    expect(d.offsetOf(b)).to.equal(0x200000);
    expect(d.objectAt(0x100000 + 3 * 4096 + 17)).to.equal(a);
    expect(d.objectAt(0x100000 + 4 * 4096)).to.equal(undefined);
    expect(codeOf(() => d.createObject(4096, 0x100000))).to.equal('EBUSY');
  });

  it('closing handles: unknown is EINVAL; the last handle frees the object and its offset; mappings keep it alive', () => {
    const d = small();
    const f = d.open();
    const { handle, size } = d.dumbCreate(f, { width: 1024, height: 1, bpp: 32 });
    const o = d.lookup(f, handle);
    const offset = d.mapDumb(f, handle);
    const m = d.mmap(f, offset, size);
    expect(codeOf(() => d.destroyDumb(f, 9))).to.equal('EINVAL');
    d.destroyDumb(f, handle);
    expect(codeOf(() => d.destroyDumb(f, handle))).to.equal('EINVAL');
    expect(o.freed).to.equal(false); // the mapping holds a reference
    expect(d.objectAt(offset)).to.equal(o);
    m.fault(0).bytes[0] = 1;
    m.close();
    expect(o.freed).to.equal(true);
    expect(d.objectAt(offset)).to.equal(undefined);
    expect(codeOf(() => m.fault(0))).to.equal('SIGBUS');
    expect(codeOf(() => m.close())).to.equal('EINVAL');
  });

  it('closing a file releases every handle it holds and refuses further use', () => {
    const d = small();
    const f = d.open();
    const objs = [1, 2, 3].map(() => d.lookup(f, d.dumbCreate(f, { width: 8, height: 8, bpp: 8 }).handle));
    d.closeFile(f);
    expect(objs.every((o) => o.freed)).to.equal(true);
    expect(d.offsets.size).to.equal(0);
    expect(codeOf(() => d.dumbCreate(f, { width: 8, height: 8, bpp: 8 }))).to.equal('EINVAL');
    expect(codeOf(() => d.closeFile(f))).to.equal('EINVAL');
  });

  it('purge frees the fake offset (mmap EINVAL) and surviving mappings fault with SIGBUS', () => {
    const d = small();
    const f = d.open();
    const { handle, size } = d.dumbCreate(f, { width: 1024, height: 2, bpp: 32 });
    const o = d.lookup(f, handle);
    const offset = d.mapDumb(f, handle);
    const m = d.mmap(f, offset, size);
    expect(codeOf(() => d.purge(o))).to.equal('EBUSY');
    o.madvise(MADV_DONTNEED);
    d.purge(o);
    expect(codeOf(() => m.fault(0))).to.equal('SIGBUS');
    expect(codeOf(() => d.mmap(f, offset, size))).to.equal('EINVAL');
    expect(codeOf(() => d.mapDumb(f, handle))).to.equal('EINVAL');
    m.close(); // still drops its reference cleanly
    d.destroyDumb(f, handle);
    expect(o.freed).to.equal(true);
  });

  it('after unplug, open and mmap fail with ENODEV', () => {
    const d = small();
    const f = d.open();
    const { handle, size } = d.dumbCreate(f, { width: 8, height: 8, bpp: 32 });
    const offset = d.mapDumb(f, handle);
    d.unplug();
    expect(codeOf(() => d.mmap(f, offset, size))).to.equal('ENODEV');
    expect(codeOf(() => d.open())).to.equal('ENODEV');
  });

  it('validates every entry point with EINVAL and leaves state unchanged', () => {
    const d = small();
    const f = d.open();
    const other = small().open();
    const { handle } = d.dumbCreate(f, { width: 8, height: 8, bpp: 32 });
    const before = state(d);
    expect(codeOf(() => d.createObject(0))).to.equal('EINVAL');
    expect(codeOf(() => d.createObject(-1))).to.equal('EINVAL');
    expect(codeOf(() => d.createObject(4096, 100))).to.equal('EINVAL');
    expect(codeOf(() => d.dumbCreate(other, { width: 8, height: 8, bpp: 32 }))).to.equal('EINVAL');
    expect(codeOf(() => d.dumbCreate(f, { width: 8, height: 8, bpp: 31 }))).to.equal('EINVAL');
    expect(codeOf(() => d.lookup(f, 0))).to.equal('ENOENT');
    expect(codeOf(() => d.lookup(f, 1.5))).to.equal('ENOENT');
    expect(codeOf(() => d.handleDelete(other, handle))).to.equal('EINVAL');
    expect(codeOf(() => d.mmap(f, Number.NaN, 4096))).to.equal('EINVAL');
    expect(state(d)).to.equal(before);
  });

  it('table: null, {}, NaN, huge, fractional and string arguments at every entry point are typed errors, state unchanged', () => {
    const d = small();
    const f = d.open();
    const { handle } = d.dumbCreate(f, { width: 8, height: 8, bpp: 32 });
    const o = d.lookup(f, handle);
    const foreign = small().createObject(4096);
    const snapshot = () => `${state(d)} ${f.handles.size} ${d.offsetOf(o)}`;
    const before = snapshot();
    const bad: [string, () => unknown][] = [
      ['new GemDevice(null)', () => new GemDevice(null as never)],
      ['new GemDevice("x")', () => new GemDevice('x' as never)],
      ['new GemDevice({ pageSize: "4096" })', () => new GemDevice({ pageSize: '4096' as never })],
      ['new GemDevice({ offsetWindow: null })', () => new GemDevice({ offsetWindow: null as never })],
      ['new GemDevice({ offsetWindow: {} })', () => new GemDevice({ offsetWindow: {} as never })],
      ['new GemDevice({ allocateBacking: 1 })', () => new GemDevice({ allocateBacking: 1 as never })],
      ['createObject("4096")', () => d.createObject('4096' as never)],
      ['createObject(1.5)', () => d.createObject(1.5)],
      ['createObject(4096, NaN)', () => d.createObject(4096, Number.NaN)],
      ['createObject(4096, "0")', () => d.createObject(4096, '0' as never)],
      ['mountObject(null, 0)', () => d.mountObject(null as never, 0)],
      ['mountObject({}, 0)', () => d.mountObject({} as never, 0)],
      ['mountObject(o, undefined)', () => d.mountObject(o, undefined as never)],
      ['mountObject(o, NaN)', () => d.mountObject(o, Number.NaN)],
      ['mountObject(o, "8192")', () => d.mountObject(o, '8192' as never)],
      ['mountObject(o, 2 ** 64)', () => d.mountObject(o, 2 ** 64)],
      ['mountObject(foreign, 0x80000)', () => d.mountObject(foreign, 0x80000)],
      ['handleCreate(f, null)', () => d.handleCreate(f, null as never)],
      ['handleCreate(f, {})', () => d.handleCreate(f, {} as never)],
      ['handleCreate(f, foreign)', () => d.handleCreate(f, foreign)],
      ['handleCreate(null, o)', () => d.handleCreate(null as never, o)],
      ['handleDelete(f, "1")', () => d.handleDelete(f, '1' as never)],
      ['handleDelete(f, NaN)', () => d.handleDelete(f, Number.NaN)],
      ['offsetOf(null)', () => d.offsetOf(null as never)],
      ['offsetOf(foreign)', () => d.offsetOf(foreign)],
      ['objectAt(NaN)', () => d.objectAt(Number.NaN)],
      ['objectAt("0")', () => d.objectAt('0' as never)],
      ['purge({})', () => d.purge({} as never)],
      ['purge(foreign)', () => d.purge(foreign)],
      ['dumbCreate(f, {})', () => d.dumbCreate(f, {} as never)],
      ['dumbCreate(f, args, 0.5)', () => d.dumbCreate(f, { width: 8, height: 8, bpp: 32 }, 0.5)],
      ['mmap(f, "0", 4096)', () => d.mmap(f, '0' as never, 4096)],
      ['mmap(f, offset, 2 ** 60)', () => d.mmap(f, d.offsetOf(o), 2 ** 60)],
      ['mmap({}, offset, 4096)', () => d.mmap({} as never, d.offsetOf(o), 4096)],
      ['closeFile(null)', () => d.closeFile(null as never)],
      ['new GemShmemObject(NaN, g)', () => new GemShmemObject(Number.NaN, G4)],
      ['new GemShmemObject(100, g)', () => new GemShmemObject(100, G4)],
      ['new GemShmemObject(4096, null)', () => new GemShmemObject(4096, null as never)],
      ['new VmaOffsetManager(null)', () => new VmaOffsetManager(null as never)],
      ['offsets.remove(null)', () => d.offsets.remove(null as never)],
    ];
    for (const [what, fn] of bad) expect(codeOf(fn), what).to.equal('EINVAL');
    expect(snapshot()).to.equal(before);
    expect(foreign.refs).to.equal(1);
  });

  it('mountObject with no offset is EINVAL: it never silently moves the object', () => {
    const d = small();
    const o = d.createObject(4096, 0x10000);
    expect(codeOf(() => d.mountObject(o, undefined as never))).to.equal('EINVAL');
    expect(d.offsetOf(o)).to.equal(0x10000);
  });

  it("handleCreate refuses another device's object: no handle, no reference taken", () => {
    const d = small();
    const f = d.open();
    const foreign = small().createObject(4096);
    expect(codeOf(() => d.handleCreate(f, foreign))).to.equal('EINVAL');
    expect([f.handles.size, foreign.refs, foreign.handleCount]).to.deep.equal([0, 1, 0]);
  });

  it('objects get their backing from GemDeviceOptions.allocateBacking, once, with the object size', () => {
    const sizes: number[] = [];
    const d = new GemDevice({
      offsetWindow: { startPage: 0, pages: 1024 },
      allocateBacking: (bytes) => {
        sizes.push(bytes);
        return new SharedArrayBuffer(bytes);
      },
    });
    const o = d.createObject(5000);
    expect(sizes).to.deep.equal([]); // allocated on the first getPages, not at create
    const view = o.vmap();
    view[8191] = 9;
    o.vunmap();
    o.getPages();
    expect(sizes).to.deep.equal([8192]);
    expect(o.memory.byteLength).to.equal(8192);
    expect(new Uint8Array(o.memory)[8191]).to.equal(9);
  });

  it('a throwing allocator makes getPages, pin, vmap and mmap fail with ENOMEM, state unchanged', () => {
    let fail = true;
    const d = new GemDevice({
      offsetWindow: { startPage: 0, pages: 1024 },
      allocateBacking: (bytes) => {
        if (fail) throw new RangeError('out of memory');
        return new SharedArrayBuffer(bytes);
      },
    });
    const f = d.open();
    const { handle, size } = d.dumbCreate(f, { width: 32, height: 32, bpp: 32 });
    const o = d.lookup(f, handle);
    const counts = () => [o.refs, o.pagesUseCount, o.pagesPinCount, o.vmapUseCount, o.hasPages];
    const before = counts();
    for (const fn of [
      () => o.getPages(),
      () => o.pin(),
      () => o.vmap(),
      () => d.mmap(f, d.mapDumb(f, handle), size),
    ])
      expect(codeOf(fn)).to.equal('ENOMEM');
    expect(counts()).to.deep.equal(before);
    fail = false;
    expect(d.mmap(f, d.mapDumb(f, handle), size).fault(0).bytes.length).to.equal(4096);
  });

  it('an allocator returning no SharedArrayBuffer (or a short one) is ENOMEM too', () => {
    for (const allocateBacking of [
      () => undefined,
      () => new SharedArrayBuffer(16),
      () => new ArrayBuffer(4096),
    ]) {
      const d = new GemDevice({ allocateBacking: allocateBacking as never });
      const o = d.createObject(4096);
      expect(codeOf(() => o.getPages())).to.equal('ENOMEM');
      expect(o.pagesUseCount).to.equal(0);
    }
  });

  it('supports 16 KiB pages end to end', () => {
    const d = new GemDevice({ pageSize: 16384 });
    const f = d.open();
    const { size, handle } = d.dumbCreate(f, { width: 1280, height: 800, bpp: 32 });
    expect(size % 16384).to.equal(0);
    const m = d.mmap(f, d.mapDumb(f, handle), size);
    expect(m.pageCount).to.equal(size / 16384);
    expect(m.fault(1).byteOffset).to.equal(16384);
  });
});

describe('gemShmemModule', () => {
  it('binds one device per container, honouring GEM_DEVICE_OPTIONS', async () => {
    const c = new Container();
    c.bind(GEM_DEVICE_OPTIONS).toConstantValue({ pageSize: 16384 });
    await c.load(gemShmemModule);
    const d = c.get<GemDevice>(GEM_DEVICE);
    expect(d).to.be.instanceOf(GemDevice);
    expect(d.geometry.size).to.equal(16384);
    expect(c.get(GEM_DEVICE)).to.equal(d);
    const plain = new Container();
    await plain.load(gemShmemModule);
    expect(plain.get<GemDevice>(GEM_DEVICE).geometry.size).to.equal(4096);
  });
});
