import { XRGB8888 } from '@fbemu/drm-fb-helper';
import { isKernelError } from '@fbemu/gem-shmem';
import { expect } from 'chai';
import { VirtualTimeScheduler } from 'rxjs';
import type { ScanoutFrame } from './scanout.js';
import { SharedMemoryPool } from './shared-memory-pool.js';
import { Client, FakeProcessMapping, makeDevice, vma } from './test-support.js';

function setup() {
  const scheduler = new VirtualTimeScheduler();
  const { dev, gem } = makeDevice({}, scheduler);
  const frames: ScanoutFrame[] = [];
  dev.scanout$.subscribe((f) => frames.push(f));
  return { dev, gem, scheduler, frames, a: new Client(dev, 1), b: new Client(dev, 2) };
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
    return 'OK';
  } catch (e) {
    if (isKernelError(e)) return e.code;
    throw e;
  }
}

describe('mmap of dumb buffers', () => {
  it('maps each buffer at its own fake offset onto that object’s memory', () => {
    const { dev, a, gem } = setup();
    const one = a.createDumb(64, 64);
    const two = a.createDumb(32, 32);
    const o1 = a.mapDumb(one.handle);
    const o2 = a.mapDumb(two.handle);
    const t1 = dev.fops.mmap?.(a.chr, vma(o1, one.size));
    const t2 = dev.fops.mmap?.(a.chr, vma(o2, two.size));
    const obj1 = gem.lookup((a.chr.privateData as { gem: never }).gem, one.handle);
    const obj2 = gem.lookup((a.chr.privateData as { gem: never }).gem, two.handle);
    expect(t1?.memory.buffer).to.equal(obj1.memory);
    expect(t2?.memory.buffer).to.equal(obj2.memory);
    expect(t1?.memory.buffer).to.not.equal(t2?.memory.buffer);
    expect([t1?.byteOffset, t1?.length, t2?.length]).to.deep.equal([0, one.size, two.size]);
    expect(t1?.memory.fd).to.equal(-1);
  });

  it('EINVAL off an object start or past its end; EACCES for another file; the mapping outlives the handle', () => {
    const { dev, a, b } = setup();
    const { handle, size } = a.createDumb(64, 64);
    const off = a.mapDumb(handle);
    expect(codeOf(() => dev.fops.mmap?.(a.chr, vma(off + 4096, 4096)))).to.equal('EINVAL');
    expect(codeOf(() => dev.fops.mmap?.(a.chr, vma(off, size + 4096)))).to.equal('EINVAL');
    expect(codeOf(() => dev.fops.mmap?.(b.chr, vma(off, size)))).to.equal('EACCES');
    const t = dev.fops.mmap?.(a.chr, vma(off, size));
    const view = new Uint32Array(t?.memory.buffer as SharedArrayBuffer);
    view[0] = 0xdeadbeef;
    const d = a.struct('drm_mode_destroy_dumb').set32('handle', handle);
    expect(a.ioctl('DRM_IOCTL_MODE_DESTROY_DUMB', d)).to.equal('OK');
    expect(view[0]).to.equal(0xdeadbeef);
    t?.detach?.(new FakeProcessMapping(vma(off, size)));
  });

  it('read-only or private mappings are untracked and hold nothing; private on a writable file is EINVAL', () => {
    const { dev, gem } = setup();
    const rw = new Client(dev, 3);
    const ro = new Client(dev, 4, 0);
    for (const c of [rw, ro]) {
      const { handle, size } = c.createDumb(64, 64);
      const off = c.mapDumb(handle);
      const object = gem.lookup((c.chr.privateData as { gem: never }).gem, handle);
      const readOnly = dev.fops.mmap?.(c.chr, { pgoff: off / 4096, length: size, prot: 1, flags: 1 });
      expect(readOnly?.attach).to.equal(undefined);
      expect(readOnly?.memory.buffer.byteLength).to.equal(size);
      expect([object.pagesUseCount, object.refs]).to.deep.equal([0, 1]);
      const priv = () => dev.fops.mmap?.(c.chr, { pgoff: off / 4096, length: size, prot: 1, flags: 2 });
      expect(codeOf(priv)).to.equal(c === rw ? 'EINVAL' : 'OK');
      const shared = dev.fops.mmap?.(c.chr, vma(off, size));
      expect(shared?.attach).to.be.a('function');
      expect([object.pagesUseCount, object.refs]).to.deep.equal([1, 2]);
      shared?.detach?.(new FakeProcessMapping(vma(off, size)));
      expect([object.pagesUseCount, object.refs]).to.deep.equal([0, 1]);
    }
  });

  it('uses the front door’s memfd-backed memory when an allocator is given', () => {
    const pool = new SharedMemoryPool((bytes: number) => ({ buffer: new SharedArrayBuffer(bytes), fd: 42 }));
    const buffer = pool.allocate(4096);
    expect(pool.lookup(buffer)).to.deep.equal({ buffer, fd: 42 });
    expect(pool.lookup(new SharedArrayBuffer(8)).fd).to.equal(-1);
  });
});

describe('tracked stores into a scanned-out buffer', () => {
  function scanningOut() {
    const s = setup();
    const { handle, pitch, size } = s.a.createDumb(640, 480);
    const fbId = s.a.addFb2(handle, 640, 480, pitch, XRGB8888.code);
    s.a.setCrtc(fbId);
    const off = s.a.mapDumb(handle);
    const target = s.dev.fops.mmap?.(s.a.chr, vma(off, size));
    const pm = new FakeProcessMapping(vma(off, size));
    target?.attach?.(pm);
    return { ...s, pm, target, handle, fbId, pitch };
  }

  it('a store becomes damage of its rows 50 ms after the first write (one writeback, later stores join it)', () => {
    const { pm, frames, scheduler } = scanningOut();
    const n = frames.length;
    pm.store(0); // rows 0–1 (pitch 2560: page 0 = bytes 0..4095)
    scheduler.schedule(() => pm.store(300), 20); // past the object (300 pages): ignored
    scheduler.schedule(() => pm.store(100), 30); // bytes 409600..413695 → rows 160–161
    scheduler.flush();
    const writes = frames.slice(n);
    expect(writes.map((f) => f.reason)).to.deep.equal(['write']);
    expect(writes[0].at).to.equal(50);
    expect(writes[0].damage.map(String)).to.deep.equal([
      '(0,0,640,1)',
      '(0,1,384,2)',
      '(0,160,640,161)',
      '(0,161,384,162)',
    ]);
  });

  it('stores into a buffer that is not scanned out show nothing; a page flip to it shows it whole', () => {
    const s = setup();
    const front = s.a.createDumb(640, 480);
    const back = s.a.createDumb(640, 480);
    const f1 = s.a.addFb2(front.handle, 640, 480, front.pitch, XRGB8888.code);
    const f2 = s.a.addFb2(back.handle, 640, 480, back.pitch, XRGB8888.code);
    s.a.setCrtc(f1);
    const off = s.a.mapDumb(back.handle);
    const pm = new FakeProcessMapping(vma(off, back.size));
    s.dev.fops.mmap?.(s.a.chr, vma(off, back.size))?.attach?.(pm);
    const n = s.frames.length;
    pm.store(3);
    s.scheduler.flush();
    expect(s.frames).to.have.length(n);
    const flip = s.a
      .struct('drm_mode_crtc_page_flip_target')
      .set32('crtc_id', s.dev.config.crtc.id)
      .set32('fb_id', f2);
    expect(s.a.ioctl('DRM_IOCTL_MODE_PAGE_FLIP', flip)).to.equal('OK');
    expect(s.frames.at(-1)?.damage.map(String)).to.deep.equal(['(0,0,640,480)']);
  });

  it('unmapping flushes pending stores at once and shuts the mapping down; the object is unpinned', () => {
    const { pm, frames, target, gem, a, handle, scheduler } = scanningOut();
    const object = gem.lookup((a.chr.privateData as { gem: never }).gem, handle);
    const pinsWhileTracked = object.pagesPinCount;
    pm.store(1);
    const n = frames.length;
    target?.detach?.(pm);
    expect(frames.length).to.equal(n + 1);
    expect(frames.at(-1)?.reason).to.equal('write');
    expect(pm.stopped).to.equal(true);
    expect(object.pagesPinCount).to.equal(pinsWhileTracked - 1);
    scheduler.flush();
    expect(frames.length).to.equal(n + 1);
  });

  it('two mappings of one buffer share one deferred-I/O core: one writeback for both', () => {
    const { pm, frames, dev, a, handle, scheduler } = scanningOut();
    const off = a.mapDumb(handle);
    const pm2 = new FakeProcessMapping(vma(off, 4096 * 300));
    dev.fops.mmap?.(a.chr, vma(off, 4096 * 300))?.attach?.(pm2);
    const n = frames.length;
    pm.store(0);
    pm2.store(0);
    pm2.store(1);
    scheduler.flush();
    expect(frames.length).to.equal(n + 1);
    expect(frames.at(-1)?.damage.map(String)).to.deep.equal(['(0,0,640,4)']);
  });
});
