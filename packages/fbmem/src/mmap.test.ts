import type { VmArea } from '@fbemu/chrdev';
import type { PagerefBatch } from '@fbemu/fbdev-defio';
import { expect } from 'chai';
import { TestScheduler } from 'rxjs/testing';
import { errnoOf, FakeProcessMapping, makeFb, O_RDONLY, O_WRONLY, openFile } from './test-support.js';

const PROT_READ = 1;
const PROT_WRITE = 2;
const MAP_SHARED = 1;
const MAP_PRIVATE = 2;
const rw = (pgoff: number, length: number): VmArea => ({
  pgoff,
  length,
  prot: PROT_READ | PROT_WRITE,
  flags: MAP_SHARED,
});

/** 64×48 XRGB8888: three pages, 16 rows per page; the DRM delay of 50 ms. */
function withFb(
  body: (
    t: ReturnType<typeof makeFb> & { batches: PagerefBatch[]; rows: string[] },
    flush: () => void,
  ) => void,
) {
  const scheduler = new TestScheduler((a, b) => {
    expect(a).to.deep.equal(b);
  });
  scheduler.run(({ flush }) => {
    const fb = makeFb(scheduler, { width: 64, height: 48 });
    const batches: PagerefBatch[] = [];
    fb.device.helper.defio.pagerefs$.subscribe((b) => batches.push(b));
    const rows: string[] = [];
    fb.device.damage$.subscribe((d) => rows.push(d.fbClips.map(String).join(' ')));
    body({ ...fb, batches, rows }, flush);
  });
}

const offsets = (b: PagerefBatch) => b.pagerefs.map((p) => p.offset).sort((x, y) => x - y);

describe('/dev/fbN mmap (fb_deferred_io_mmap) and process mappings in the defio core', () => {
  it('maps the framebuffer memory from vm_pgoff; pages past smem_len are left out (SIGBUS), never EINVAL', () => {
    withFb(({ chrdev, device }) => {
      const file = openFile(chrdev);
      const map = (pgoff: number, length: number) => chrdev.fops.mmap!(file, rw(pgoff, length));
      const whole = map(0, 12288);
      expect(whole.memory).to.equal(device.memory);
      expect([whole.byteOffset, whole.length]).to.deep.equal([0, 12288]);
      expect([map(1, 8192).byteOffset, map(1, 8192).length]).to.deep.equal([4096, 8192]);
      expect(map(2, 8192).length).to.equal(4096);
      expect(map(0, 65536).length).to.equal(12288);
      expect(map(10, 4096).length).to.equal(0);
    });
  });

  it('EACCES for a mapping the open mode does not allow, EINVAL for a malformed vma', () => {
    withFb(({ chrdev }) => {
      const ro = openFile(chrdev, O_RDONLY);
      expect(errnoOf(() => chrdev.fops.mmap!(ro, rw(0, 4096)))).to.equal('EACCES');
      expect(
        chrdev.fops.mmap!(ro, { pgoff: 0, length: 4096, prot: PROT_READ, flags: MAP_SHARED }).length,
      ).to.equal(4096);
      expect(
        chrdev.fops.mmap!(ro, { pgoff: 0, length: 4096, prot: PROT_WRITE, flags: MAP_PRIVATE }).length,
      ).to.equal(4096);
      const wo = openFile(chrdev, O_WRONLY);
      expect(errnoOf(() => chrdev.fops.mmap!(wo, rw(0, 4096)))).to.equal('EACCES');
      const file = openFile(chrdev);
      for (const vma of [rw(0, 0), rw(0, 100), rw(-1, 4096), rw(0.5, 4096)]) {
        expect(errnoOf(() => chrdev.fops.mmap!(file, vma))).to.equal('EINVAL');
      }
    });
  });

  it('a store in the process arms the writeback; the take re-protects; damage covers the rows of the written page', () => {
    withFb(({ chrdev, batches, rows }, flush) => {
      const file = openFile(chrdev);
      const target = chrdev.fops.mmap!(file, rw(1, 8192));
      const mapping = new FakeProcessMapping(rw(1, 8192));
      target.attach!(mapping);
      expect(mapping.log).to.deep.equal(['start']);
      mapping.store(1); // mapping page 1 = framebuffer page 2
      mapping.store(1);
      flush();
      expect(batches.map(offsets)).to.deep.equal([[8192]]);
      expect(mapping.log).to.deep.equal(['start', 'take 1']);
      expect(rows).to.deep.equal(['(0,32,64,48)']); // page 2 = rows 32..47
      mapping.store(0);
      flush();
      expect(batches.map(offsets)).to.deep.equal([[8192], [4096]]);
    });
  });

  it('track: false serves the same memory untracked: no attach, so the front door maps it plainly', () => {
    const scheduler = new TestScheduler(() => {});
    const tracked = makeFb(scheduler, { width: 64, height: 48 });
    const plain = makeFb(scheduler, { width: 64, height: 48, track: false });
    const targetOf = (fb: ReturnType<typeof makeFb>) =>
      fb.chrdev.fops.mmap!(openFile(fb.chrdev), rw(1, 8192));
    const t = targetOf(plain);
    expect(t.memory).to.equal(plain.device.memory);
    expect([t.byteOffset, t.length, t.attach, t.detach]).to.deep.equal([4096, 8192, undefined, undefined]);
    expect(plain.device.tracked).to.equal(false);
    expect(typeof targetOf(tracked).attach).to.equal('function');
  });

  it('fsync runs the pending writeback now', () => {
    withFb(({ chrdev, batches }) => {
      const file = openFile(chrdev);
      const mapping = new FakeProcessMapping(rw(0, 12288));
      chrdev.fops.mmap!(file, mapping.vma).attach!(mapping);
      mapping.store(0);
      expect(batches).to.have.length(0);
      chrdev.fops.fsync!(file);
      expect(batches.map(offsets)).to.deep.equal([[0]]);
    });
  });

  it('the mapping holds the file: close does not flush, munmap (detach) after close does (last close)', () => {
    withFb(({ chrdev, batches }) => {
      const file = openFile(chrdev);
      const mapping = new FakeProcessMapping(rw(0, 12288));
      const target = chrdev.fops.mmap!(file, mapping.vma);
      target.attach!(mapping);
      mapping.store(2);
      chrdev.fops.release!(file);
      expect(batches).to.have.length(0);
      target.detach!(mapping);
      expect(batches.map(offsets)).to.deep.equal([[8192]]);
      // stopped, then its last pages collected; no take: the mapping is gone
      expect(mapping.log).to.deep.equal(['start', 'shutdown']);
      target.detach!(mapping); // a second munmap report is ignored
      expect(batches).to.have.length(1);
    });
  });

  it('pages a process reports outside the framebuffer are dropped', () => {
    withFb(({ chrdev, batches }) => {
      const file = openFile(chrdev);
      const mapping = new FakeProcessMapping(rw(2, 16384));
      chrdev.fops.mmap!(file, mapping.vma).attach!(mapping);
      for (const page of [1, 3, -1, 0.5]) mapping.store(page);
      chrdev.fops.fsync!(file);
      expect(batches).to.have.length(0);
      mapping.store(0);
      chrdev.fops.fsync!(file);
      expect(batches.map(offsets)).to.deep.equal([[8192]]);
    });
  });

  it('several programs: one enlist per page per cycle; only the last close of all files flushes', () => {
    withFb(({ chrdev, batches }, flush) => {
      const a = openFile(chrdev, undefined, 1);
      const b = openFile(chrdev, undefined, 2);
      const ma = new FakeProcessMapping(rw(0, 12288));
      const mb = new FakeProcessMapping(rw(0, 12288));
      chrdev.fops.mmap!(a, ma.vma).attach!(ma);
      const tb = chrdev.fops.mmap!(b, mb.vma);
      tb.attach!(mb);
      ma.store(0);
      mb.store(0);
      mb.store(2);
      flush();
      expect(batches.map(offsets)).to.deep.equal([[0, 8192]]);
      expect([ma.log.at(-1), mb.log.at(-1)]).to.deep.equal(['take 0', 'take 0,2']);
      mb.store(1);
      tb.detach!(mb);
      chrdev.fops.release!(b);
      expect(batches).to.have.length(1); // file a is still open
      chrdev.fops.release!(a); // a's mapping still holds a
      expect(batches).to.have.length(1);
    });
  });

  it('attaching the same mapping twice is EINVAL; mapping after unregister is ENODEV', () => {
    withFb(({ chrdev, registry }) => {
      const file = openFile(chrdev);
      const mapping = new FakeProcessMapping(rw(0, 4096));
      const target = chrdev.fops.mmap!(file, mapping.vma);
      target.attach!(mapping);
      expect(errnoOf(() => target.attach!(mapping))).to.equal('EINVAL');
      registry.unregister(0);
      expect(mapping.log).to.include('shutdown'); // cleanup stops the process's reporting
      expect(errnoOf(() => chrdev.fops.mmap!(file, rw(0, 4096)))).to.equal('ENODEV');
      target.detach!(mapping); // munmap after unregister is harmless
    });
  });
});
