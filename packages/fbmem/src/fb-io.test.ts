import type { ChrdevFile } from '@fbemu/chrdev';
import { expect } from 'chai';
import { TestScheduler } from 'rxjs/testing';
import { MAX_RW_COUNT, SEEK_CUR, SEEK_DATA, SEEK_END, SEEK_HOLE, SEEK_SET } from './fb-io.js';
import { errnoOf, makeFb, O_RDONLY, O_RDWR, O_WRONLY, openFile } from './test-support.js';

/** 64×48 XRGB8888: smem_len 12288 (three pages). */
function setup(scheduler = new TestScheduler(() => {})) {
  const fb = makeFb(scheduler, { width: 64, height: 48 });
  const file = openFile(fb.chrdev);
  const smem = fb.device.fix.smemLen;
  const pixels = fb.device.helper.screen.bytes;
  const read = (f: ChrdevFile, buf: number, count: number) => fb.fops.read!(f, buf, count, f.fpos, fb.mem);
  const write = (f: ChrdevFile, buf: number, count: number) => fb.fops.write!(f, buf, count, f.fpos, fb.mem);
  return { ...fb, file, smem, pixels, read, write };
}

describe('/dev/fbN read, write, llseek (fb_sys_read / fb_sys_write / default_llseek)', () => {
  it('read copies the framebuffer from f_pos and advances it; 0 at and past the end; clamps at the end', () => {
    const t = setup();
    expect(t.smem).to.equal(12288);
    t.pixels[12286] = 0xab;
    t.pixels[12287] = 0xcd;
    const buf = t.mem.alloc(16);
    t.file.fpos.pos = 12286;
    expect(t.read(t.file, buf, 16)).to.equal(2);
    expect([...t.mem.read(buf, 2)]).to.deep.equal([0xab, 0xcd]);
    expect(t.file.fpos.pos).to.equal(12288);
    expect(t.read(t.file, buf, 16)).to.equal(0);
    t.file.fpos.pos = 99999;
    expect(t.read(t.file, buf, 16)).to.equal(0);
  });

  it('read: EFAULT into an unmapped or read-only buffer, f_pos unchanged', () => {
    const t = setup();
    expect(errnoOf(() => t.read(t.file, 0x7000_0000, 4))).to.equal('EFAULT');
    expect(errnoOf(() => t.read(t.file, t.mem.alloc(8, false), 8))).to.equal('EFAULT');
    expect(t.file.fpos.pos).to.equal(0);
  });

  it('write stores the bytes, advances f_pos and damages the rows it touched', () => {
    const scheduler = new TestScheduler((a, b) => {
      expect(a).to.deep.equal(b);
    });
    scheduler.run(({ flush }) => {
      const t = setup(scheduler);
      const clips: string[] = [];
      t.device.damage$.subscribe((d) => clips.push(d.clips.map(String).join(' ')));
      const row = 64 * 4;
      t.file.fpos.pos = 10 * row;
      expect(t.write(t.file, t.mem.put(new Uint8Array(2 * row).fill(7)), 2 * row)).to.equal(2 * row);
      expect(t.file.fpos.pos).to.equal(12 * row);
      expect(t.pixels[10 * row]).to.equal(7);
      flush();
      expect(clips).to.have.length(1);
      expect(clips).to.deep.equal(['(0,10,64,12)']);
    });
  });

  it('write: partial up to the end, ENOSPC at the end, EFBIG past it, 0 for an empty write at the end', () => {
    const t = setup();
    const src = t.mem.put(new Uint8Array(64).fill(9));
    t.file.fpos.pos = t.smem - 10;
    expect(t.write(t.file, src, 64)).to.equal(10);
    expect(t.file.fpos.pos).to.equal(t.smem);
    expect(errnoOf(() => t.write(t.file, src, 64))).to.equal('ENOSPC');
    expect(t.write(t.file, src, 0)).to.equal(0);
    t.file.fpos.pos = t.smem + 1;
    expect(errnoOf(() => t.write(t.file, src, 0))).to.equal('EFBIG');
    expect(errnoOf(() => t.write(t.file, src, 64))).to.equal('EFBIG');
    expect(t.file.fpos.pos).to.equal(t.smem + 1);
  });

  it('write: a count larger than the framebuffer from offset 0 writes it all (the kernel clamps)', () => {
    const t = setup();
    const src = t.mem.put(new Uint8Array(t.smem + 4096).fill(1));
    expect(t.write(t.file, src, t.smem + 4096)).to.equal(t.smem);
  });

  it('write: EFAULT from an unreadable buffer writes nothing and keeps f_pos', () => {
    const t = setup();
    expect(errnoOf(() => t.write(t.file, 0x7000_0000, 16))).to.equal('EFAULT');
    expect(errnoOf(() => t.write(t.file, t.mem.alloc(8), 16))).to.equal('EFAULT'); // buffer too short
    expect(t.pixels.every((b) => b === 0)).to.equal(true);
    expect(t.file.fpos.pos).to.equal(0);
  });

  it('pread/pwrite use their own position and leave f_pos alone', () => {
    const t = setup();
    const pos = { pos: 4096 };
    t.fops.write!(t.file, t.mem.put(new Uint8Array([1, 2, 3])), 3, pos, t.mem);
    expect(pos.pos).to.equal(4099);
    expect(t.file.fpos.pos).to.equal(0);
    const buf = t.mem.alloc(3);
    t.fops.read!(t.file, buf, 3, { pos: 4096 }, t.mem);
    expect([...t.mem.read(buf, 3)]).to.deep.equal([1, 2, 3]);
  });

  it('EINVAL for a negative position or count; counts clamp to MAX_RW_COUNT', () => {
    const t = setup();
    const buf = t.mem.alloc(4);
    expect(errnoOf(() => t.fops.read!(t.file, buf, 4, { pos: -1 }, t.mem))).to.equal('EINVAL');
    expect(errnoOf(() => t.fops.write!(t.file, buf, -1, { pos: 0 }, t.mem))).to.equal('EINVAL');
    expect(errnoOf(() => t.fops.write!(t.file, buf, 1.5, { pos: 0 }, t.mem))).to.equal('EINVAL');
    expect(MAX_RW_COUNT).to.equal(2 ** 31 - 4096);
  });

  it('EBADF for read on O_WRONLY and write on O_RDONLY', () => {
    const t = setup();
    const wo = openFile(t.chrdev, O_WRONLY);
    const ro = openFile(t.chrdev, O_RDONLY);
    const buf = t.mem.alloc(4);
    expect(errnoOf(() => t.read(wo, buf, 4))).to.equal('EBADF');
    expect(errnoOf(() => t.write(ro, buf, 4))).to.equal('EBADF');
    expect(t.read(ro, buf, 4)).to.equal(4);
    expect(t.write(openFile(t.chrdev, O_RDWR), buf, 4)).to.equal(4);
  });

  it('llseek: SET/CUR from f_pos, END from size 0, DATA/HOLE ENXIO, negative or unknown whence EINVAL', () => {
    const t = setup();
    const seek = (offset: number, whence: number) => t.fops.llseek!(t.file, offset, whence);
    expect(seek(100, SEEK_SET)).to.equal(100);
    expect(seek(-40, SEEK_CUR)).to.equal(60);
    expect(seek(0, SEEK_CUR)).to.equal(60);
    expect(seek(5, SEEK_END)).to.equal(5); // a device node's i_size is 0
    expect(seek(t.smem + 10, SEEK_SET)).to.equal(t.smem + 10); // past the end is allowed
    expect(errnoOf(() => seek(-1, SEEK_SET))).to.equal('EINVAL');
    expect(errnoOf(() => seek(-1, SEEK_END))).to.equal('EINVAL');
    expect(errnoOf(() => seek(0, SEEK_DATA))).to.equal('ENXIO');
    expect(errnoOf(() => seek(0, SEEK_HOLE))).to.equal('ENXIO');
    expect(errnoOf(() => seek(0, 5))).to.equal('EINVAL');
    expect(errnoOf(() => seek(0.5, SEEK_SET))).to.equal('EINVAL');
    expect(t.file.fpos.pos).to.equal(t.smem + 10);
  });

  it('several opens keep their own f_pos', () => {
    const t = setup();
    const other = openFile(t.chrdev);
    t.fops.llseek!(t.file, 64, SEEK_SET);
    t.read(other, t.mem.alloc(8), 8);
    expect([t.file.fpos.pos, other.fpos.pos]).to.deep.equal([64, 8]);
  });
});
