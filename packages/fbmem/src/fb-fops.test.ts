import { expect } from 'chai';
import { queueScheduler } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import type { FbScanout } from './fb-device.js';
import { errnoOf, makeFb, openFile } from './test-support.js';
import {
  CMAP_SIZE,
  CON2FBMAP_SIZE,
  decodeCon2Fb,
  decodeVar,
  encodeCmap,
  encodeCon2Fb,
  encodeVar,
  FB_VMODE_YWRAP,
  FBIO_CURSOR,
  FBIO_WAITFORVSYNC,
  FBIOBLANK,
  FBIOGET_CON2FBMAP,
  FBIOGET_FSCREENINFO,
  FBIOGET_VSCREENINFO,
  FBIOGETCMAP,
  FBIOPAN_DISPLAY,
  FBIOPUT_CON2FBMAP,
  FBIOPUT_VSCREENINFO,
  FBIOPUTCMAP,
  FIX_SCREENINFO_SIZE,
  type UserCmap,
  VAR_SCREENINFO_SIZE,
} from './uapi.js';

function setup(mode = {}) {
  const fb = makeFb(queueScheduler, { width: 64, height: 48, virtualHeight: 96, ...mode });
  const file = openFile(fb.chrdev);
  const ioctl = (cmd: number, arg: number) => fb.fops.ioctl!(file, cmd, arg, fb.mem);
  const getVar = () => {
    const arg = fb.mem.alloc(VAR_SCREENINFO_SIZE);
    ioctl(FBIOGET_VSCREENINFO, arg);
    return decodeVar(fb.mem.read(arg, VAR_SCREENINFO_SIZE));
  };
  return { ...fb, file, ioctl, getVar };
}

const UNMAPPED = 0x7000_0000;

describe('/dev/fbN ioctls', () => {
  describe('FBIOGET_FSCREENINFO / FBIOGET_VSCREENINFO', () => {
    it('reports the fix screeninfo of the DRM shmem fbdev: id, smem_len = pitch·yres_virtual, hidden smem_start', () => {
      const { ioctl, mem } = setup({ width: 100, bpp: 16 });
      const arg = mem.alloc(FIX_SCREENINFO_SIZE);
      expect(ioctl(FBIOGET_FSCREENINFO, arg)).to.equal(0);
      const dv = new DataView(mem.read(arg, FIX_SCREENINFO_SIZE).buffer);
      const id = Buffer.from(mem.read(arg, 16)).toString('latin1');
      expect(id).to.equal('testdrmfb\0\0\0\0\0\0\0');
      expect(dv.getBigUint64(16, true)).to.equal(0n); // smem_start
      expect(dv.getUint32(24, true)).to.equal(200 * 96); // smem_len
      expect(dv.getUint32(36, true)).to.equal(2); // visual TRUECOLOR
      expect([dv.getUint16(40, true), dv.getUint16(42, true), dv.getUint16(44, true)]).to.deep.equal([
        1, 1, 0,
      ]);
      expect(dv.getUint32(48, true)).to.equal(200); // line_length
    });

    it('answers EFAULT for an unmapped or read-only argument', () => {
      const { ioctl, mem } = setup();
      for (const cmd of [FBIOGET_FSCREENINFO, FBIOGET_VSCREENINFO]) {
        expect(errnoOf(() => ioctl(cmd, UNMAPPED))).to.equal('EFAULT');
        expect(errnoOf(() => ioctl(cmd, mem.alloc(16)))).to.equal('EFAULT'); // too short
        expect(errnoOf(() => ioctl(cmd, mem.alloc(VAR_SCREENINFO_SIZE, false)))).to.equal('EFAULT');
      }
    });

    it('FBIOPUT_VSCREENINFO: EFAULT when the var cannot be read, nothing changes', () => {
      const { ioctl, getVar } = setup();
      const before = getVar();
      expect(errnoOf(() => ioctl(FBIOPUT_VSCREENINFO, UNMAPPED))).to.equal('EFAULT');
      expect(getVar()).to.deep.equal(before);
    });
  });

  it('FBIOPUT_VSCREENINFO into a read-only argument: applied first, then EFAULT on the copy back (kernel order)', () => {
    const { ioctl, getVar, mem } = setup();
    const v = getVar();
    v.yoffset = 30;
    expect(errnoOf(() => ioctl(FBIOPUT_VSCREENINFO, mem.put(encodeVar(v), false)))).to.equal('EFAULT');
    expect(getVar().yoffset).to.equal(30);
  });

  describe('FBIOPAN_DISPLAY', () => {
    function pan(t: ReturnType<typeof setup>, x: number, y: number, vmode = 0) {
      const v = t.getVar();
      Object.assign(v, { xoffset: x, yoffset: y, vmode });
      const arg = t.mem.put(encodeVar(v));
      t.ioctl(FBIOPAN_DISPLAY, arg);
      return decodeVar(t.mem.read(arg, VAR_SCREENINFO_SIZE));
    }

    it('moves the viewport: GET reads the offset back, the scanout and the damage show the panned-in rows', () => {
      const scheduler = new TestScheduler((a, b) => {
        expect(a).to.deep.equal(b);
      });
      scheduler.run(({ flush }) => {
        const fb = makeFb(scheduler, { width: 64, height: 48, virtualHeight: 96 });
        const file = openFile(fb.chrdev);
        const t = { ...fb, file, ioctl: (c: number, a: number) => fb.fops.ioctl!(file, c, a, fb.mem) };
        const getVar = () => {
          const arg = fb.mem.alloc(VAR_SCREENINFO_SIZE);
          t.ioctl(FBIOGET_VSCREENINFO, arg);
          return decodeVar(fb.mem.read(arg, VAR_SCREENINFO_SIZE));
        };
        const seen: FbScanout[] = [];
        fb.device.scanout$.subscribe((s) => seen.push(s));
        const viewports: string[] = [];
        fb.device.damage$.subscribe((d) => viewports.push(d.viewport.toString()));
        const back = pan({ ...t, getVar }, 0, 48);
        expect(back.yoffset).to.equal(48);
        expect(getVar().yoffset).to.equal(48);
        expect(seen.at(-1)!.yoffset).to.equal(48);
        flush();
        expect(viewports).to.have.length(1);
        expect(viewports[0]).to.contain('48');
      });
    });

    it('refuses offsets past the virtual screen and YWRAP (ywrapstep 0) with EINVAL, state unchanged', () => {
      const t = setup();
      pan(t, 0, 10);
      expect(errnoOf(() => pan(t, 0, 49))).to.equal('EINVAL');
      expect(errnoOf(() => pan(t, 1, 0))).to.equal('EINVAL'); // xres == xres_virtual
      expect(errnoOf(() => pan(t, 0, 20, FB_VMODE_YWRAP))).to.equal('EINVAL');
      expect(pan(t, 0, 0, FB_VMODE_YWRAP).yoffset).to.equal(0); // yoffset 0 needs no wrap step
      expect(t.getVar().vmode & FB_VMODE_YWRAP).to.equal(FB_VMODE_YWRAP);
      expect(errnoOf(() => t.ioctl(FBIOPAN_DISPLAY, UNMAPPED))).to.equal('EFAULT');
      expect(t.device.scanout.yoffset).to.equal(0);
    });

    it('ENOSPC when a smaller xres lets fb_pan_display pass but the mode would leave the buffer', () => {
      const t = setup({ width: 64, virtualWidth: 64 });
      const v = t.getVar();
      v.xres = 32;
      t.ioctl(FBIOPUT_VSCREENINFO, t.mem.put(encodeVar(v)));
      expect(errnoOf(() => pan(t, 32, 0))).to.equal('ENOSPC');
      expect(t.getVar().xoffset).to.equal(0);
    });
  });

  describe('FBIOPUTCMAP / FBIOGETCMAP (truecolor pseudo palette)', () => {
    function channels(t: ReturnType<typeof setup>, len: number, base: number) {
      const arr = (k: number) =>
        t.mem.put(new Uint8Array(new Uint16Array(len).map((_, i) => base + k * 0x1000 + i).buffer));
      return { red: arr(1), green: arr(2), blue: arr(3) };
    }
    const cmapArg = (t: ReturnType<typeof setup>, c: UserCmap) => t.mem.put(encodeCmap(c));

    it('stores 16 colours as pixel values of the format (alpha all ones when the format has it) and reads them back', () => {
      for (const [depth, expected] of [
        [24, 0x00ff8001],
        [32, 0xffff8001],
      ] as const) {
        const t = setup({ depth });
        const red = t.mem.put(new Uint8Array(new Uint16Array([0xffff]).buffer));
        const green = t.mem.put(new Uint8Array(new Uint16Array([0x8000]).buffer));
        const blue = t.mem.put(new Uint8Array(new Uint16Array([0x01ff]).buffer));
        t.ioctl(FBIOPUTCMAP, cmapArg(t, { start: 3, len: 1, red, green, blue, transp: 0 }));
        expect(t.device.cmap.pseudoPalette[3]).to.equal(expected);
        const out = channels(t, 2, 0);
        t.ioctl(FBIOGETCMAP, cmapArg(t, { start: 3, len: 2, ...out, transp: 0 }));
        expect([...new Uint16Array(t.mem.read(out.red, 4).slice().buffer)]).to.deep.equal([0xffff, 0xaaaa]);
      }
    });

    it('RGB565: channels cut to 5/6/5 bits', () => {
      const t = setup({ bpp: 16 });
      const c = channels(t, 1, 0);
      t.mem.write(c.red, new Uint8Array([0xff, 0xff]));
      t.mem.write(c.green, new Uint8Array([0x00, 0x80]));
      t.mem.write(c.blue, new Uint8Array([0x00, 0x08]));
      t.ioctl(FBIOPUTCMAP, cmapArg(t, { start: 0, len: 1, ...c, transp: 0 }));
      expect(t.device.cmap.pseudoPalette[0]).to.equal((31 << 11) | (32 << 5) | 1);
    });

    it('GETCMAP starts with the console colours and copies only the overlap with the 256-entry map', () => {
      const t = setup();
      const c = channels(t, 4, 0x7777);
      t.ioctl(FBIOGETCMAP, cmapArg(t, { start: 254, len: 4, ...c, transp: 0 }));
      const green = new Uint16Array(t.mem.read(c.green, 8).buffer);
      expect([...green]).to.deep.equal([0, 0, 0x7777 + 0x2002, 0x7777 + 0x2003]);
      t.ioctl(FBIOGETCMAP, cmapArg(t, { start: 6, len: 1, ...c, transp: 0 }));
      expect(new Uint16Array(t.mem.read(c.green, 2).buffer)[0]).to.equal(0x5555); // brown
    });

    const bad: [string, (t: ReturnType<typeof setup>) => UserCmap, string][] = [
      ['len 0', (t) => ({ start: 0, len: 0, ...channels(t, 1, 0), transp: 0 }), 'EINVAL'],
      ['start + len > 16', (t) => ({ start: 15, len: 2, ...channels(t, 2, 0), transp: 0 }), 'EINVAL'],
      ['start ≥ 2^31', (t) => ({ start: 0x80000000, len: 1, ...channels(t, 1, 0), transp: 0 }), 'EINVAL'],
      [
        'len·2 overflowing an int',
        (t) => ({ start: 0, len: 0x40000000, ...channels(t, 1, 0), transp: 0 }),
        'E2BIG',
      ],
      ['len beyond kmalloc', (t) => ({ start: 0, len: 0x300000, ...channels(t, 1, 0), transp: 0 }), 'ENOMEM'],
      [
        'an unmapped blue array',
        (t) => ({ start: 0, len: 2, ...channels(t, 2, 0), blue: UNMAPPED, transp: 0 }),
        'EFAULT',
      ],
      ['a short red array', (t) => ({ start: 0, len: 9000, ...channels(t, 2, 0), transp: 0 }), 'EFAULT'],
      [
        'an unmapped transp array',
        (t) => ({ start: 0, len: 1, ...channels(t, 1, 0), transp: UNMAPPED }),
        'EFAULT',
      ],
    ];
    for (const [what, make, errno] of bad) {
      it(`PUTCMAP with ${what}: ${errno}, palette and map unchanged`, () => {
        const t = setup();
        const palette = t.device.cmap.pseudoPalette.slice();
        const red = t.device.cmap.red.slice();
        expect(errnoOf(() => t.ioctl(FBIOPUTCMAP, cmapArg(t, make(t))))).to.equal(errno);
        expect(t.device.cmap.pseudoPalette).to.deep.equal(palette);
        expect(t.device.cmap.red).to.deep.equal(red);
      });
    }

    it('GETCMAP: EINVAL without overlap, EFAULT on a bad array or argument', () => {
      const t = setup();
      const c = channels(t, 1, 0);
      expect(
        errnoOf(() => t.ioctl(FBIOGETCMAP, cmapArg(t, { start: 256, len: 1, ...c, transp: 0 }))),
      ).to.equal('EINVAL');
      expect(errnoOf(() => t.ioctl(FBIOGETCMAP, cmapArg(t, { start: 0, len: 0, ...c, transp: 0 })))).to.equal(
        'EINVAL',
      );
      expect(
        errnoOf(() =>
          t.ioctl(FBIOGETCMAP, cmapArg(t, { start: 0, len: 1, ...c, green: UNMAPPED, transp: 0 })),
        ),
      ).to.equal('EFAULT');
      expect(errnoOf(() => t.ioctl(FBIOGETCMAP, UNMAPPED))).to.equal('EFAULT');
      expect(errnoOf(() => t.ioctl(FBIOPUTCMAP, t.mem.alloc(CMAP_SIZE - 1)))).to.equal('EFAULT');
    });
  });

  describe('FBIOBLANK', () => {
    it('takes levels 0–4 into the scanout state and refuses anything above with EINVAL', () => {
      const t = setup();
      for (const level of [4, 1, 0]) {
        expect(t.ioctl(FBIOBLANK, level)).to.equal(0);
        expect(t.device.scanout.blank).to.equal(level);
      }
      t.ioctl(FBIOBLANK, 3);
      for (const level of [5, 0xffffffff, 2 ** 63])
        expect(errnoOf(() => t.ioctl(FBIOBLANK, level))).to.equal('EINVAL');
      expect(t.device.blank).to.equal(3);
    });
  });

  describe('FBIOGET_CON2FBMAP / FBIOPUT_CON2FBMAP', () => {
    it('every console starts on fb0; PUT moves one to another registered framebuffer', () => {
      const t = setup();
      const second = t.registry.register(makeFb(queueScheduler).device);
      expect(second.minor).to.equal(1);
      const arg = t.mem.put(encodeCon2Fb({ console: 63, framebuffer: 99 }));
      t.ioctl(FBIOGET_CON2FBMAP, arg);
      expect(decodeCon2Fb(t.mem.read(arg, CON2FBMAP_SIZE))).to.deep.equal({ console: 63, framebuffer: 0 });
      t.ioctl(FBIOPUT_CON2FBMAP, t.mem.put(encodeCon2Fb({ console: 2, framebuffer: 1 })));
      const q = t.mem.put(encodeCon2Fb({ console: 2, framebuffer: 0 }));
      t.ioctl(FBIOGET_CON2FBMAP, q);
      expect(decodeCon2Fb(t.mem.read(q, CON2FBMAP_SIZE)).framebuffer).to.equal(1);
    });

    it('EINVAL for console 0 or 64, a framebuffer ≥ 32 or unregistered; EFAULT for a bad pointer', () => {
      const t = setup();
      const put = (console: number, framebuffer: number) =>
        errnoOf(() => t.ioctl(FBIOPUT_CON2FBMAP, t.mem.put(encodeCon2Fb({ console, framebuffer }))));
      expect([put(0, 0), put(64, 0), put(1, 32), put(1, 5)]).to.deep.equal([
        'EINVAL',
        'EINVAL',
        'EINVAL',
        'EINVAL',
      ]);
      expect(
        errnoOf(() => t.ioctl(FBIOGET_CON2FBMAP, t.mem.put(encodeCon2Fb({ console: 0, framebuffer: 0 })))),
      ).to.equal('EINVAL');
      expect(errnoOf(() => t.ioctl(FBIOGET_CON2FBMAP, UNMAPPED))).to.equal('EFAULT');
      expect(errnoOf(() => t.ioctl(FBIOPUT_CON2FBMAP, UNMAPPED))).to.equal('EFAULT');
    });
  });

  describe('other commands', () => {
    it('unknown → ENOTTY, FBIO_CURSOR → EINVAL, FBIO_WAITFORVSYNC → 0 (argument unused)', () => {
      const t = setup();
      for (const cmd of [0x4603, 0x4612, 0x5401, 0x80204612, 0xffffffff]) {
        expect(errnoOf(() => t.ioctl(cmd, 0))).to.equal('ENOTTY');
      }
      expect(errnoOf(() => t.ioctl(FBIO_CURSOR, UNMAPPED))).to.equal('EINVAL');
      expect(t.ioctl(FBIO_WAITFORVSYNC, UNMAPPED)).to.equal(0);
    });

    it('after unregister_framebuffer every operation of an open file is ENODEV; release still works', () => {
      const t = setup();
      t.registry.unregister(0);
      expect(errnoOf(() => t.ioctl(FBIOGET_VSCREENINFO, t.mem.alloc(VAR_SCREENINFO_SIZE)))).to.equal(
        'ENODEV',
      );
      expect(errnoOf(() => t.fops.read!(t.file, t.mem.alloc(4), 4, t.file.fpos, t.mem))).to.equal('ENODEV');
      expect(errnoOf(() => openFile(t.chrdev))).to.equal('ENODEV');
      t.fops.release!(t.file);
      expect(errnoOf(() => t.fops.release!(t.file))).to.equal('EBADF');
    });

    it('a file of another framebuffer is EBADF', () => {
      const a = setup();
      const b = setup();
      expect(errnoOf(() => a.fops.ioctl!(b.file, FBIOGET_VSCREENINFO, 0, a.mem))).to.equal('EBADF');
    });
  });
});
