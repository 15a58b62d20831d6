import { KernelError } from '@fbemu/gem-shmem';
import { expect } from 'chai';
import { queueScheduler } from 'rxjs';
import { makeFb, openFile } from './test-support.js';
import {
  bitfield,
  decodeVar,
  encodeVar,
  FB_ACTIVATE_FORCE,
  FB_ACTIVATE_INV_MODE,
  FB_ACTIVATE_KD_TEXT,
  FB_ACTIVATE_NXTOPEN,
  FB_ACTIVATE_TEST,
  FBIOGET_VSCREENINFO,
  FBIOPUT_VSCREENINFO,
  VAR_SCREENINFO_SIZE,
  type VarScreeninfo,
} from './uapi.js';

/** A 64×48 XRGB8888 mode on a 64×96 buffer (room to pan down). */
function setup() {
  const fb = makeFb(queueScheduler, { width: 64, height: 48, virtualHeight: 96 });
  const file = openFile(fb.chrdev);
  const arg = fb.mem.alloc(VAR_SCREENINFO_SIZE);
  const get = (): VarScreeninfo => {
    fb.fops.ioctl!(file, FBIOGET_VSCREENINFO, arg, fb.mem);
    return decodeVar(fb.mem.read(arg, VAR_SCREENINFO_SIZE));
  };
  /** FBIOPUT_VSCREENINFO of the current var changed by `edit`: the errno or the var copied back. */
  const put = (edit: (v: VarScreeninfo) => void): { errno?: string; back?: VarScreeninfo } => {
    const v = get();
    edit(v);
    fb.mem.write(arg, encodeVar(v));
    try {
      fb.fops.ioctl!(file, FBIOPUT_VSCREENINFO, arg, fb.mem);
      return { back: decodeVar(fb.mem.read(arg, VAR_SCREENINFO_SIZE)) };
    } catch (e) {
      if (e instanceof KernelError) return { errno: e.code };
      throw e;
    }
  };
  return { fb, file, get, put };
}

describe('FBIOPUT_VSCREENINFO on the fixed-mode DRM fbdev (drm_fb_helper_check_var)', () => {
  it('reports the mode as drm_fb_helper_fill_var does', () => {
    const v = setup().get();
    expect([v.xres, v.yres, v.xresVirtual, v.yresVirtual, v.bitsPerPixel]).to.deep.equal([
      64, 48, 64, 96, 32,
    ]);
    expect([v.red, v.green, v.blue, v.transp]).to.deep.equal([
      bitfield(16, 8),
      bitfield(8, 8),
      bitfield(0, 8),
      bitfield(0, 0),
    ]);
    expect([v.activate, v.pixclock, v.accelFlags, v.xoffset, v.yoffset]).to.deep.equal([0, 0, 0, 0, 0]);
  });

  // what `fbset -g W H VW VH BPP` and SDL's probing ask, and what the kernel answers
  const table: [
    string,
    (v: VarScreeninfo) => void,
    string | ((v: VarScreeninfo) => unknown[]),
    unknown[]?,
  ][] = [
    ['the same mode', () => {}, (v) => [v.xres, v.yres], [64, 48]],
    [
      'a smaller xres/yres (kept; the display mode does not change)',
      (v) => {
        v.xres = 32;
        v.yres = 24;
      },
      (v) => [v.xres, v.yres, v.xresVirtual, v.yresVirtual],
      [32, 24, 64, 96],
    ],
    [
      'a smaller virtual size (forced back to the buffer)',
      (v) => {
        v.yresVirtual = 48;
      },
      (v) => [v.yresVirtual],
      [96],
    ],
    [
      'a lower bpp with the current channels (bumped to 32)',
      (v) => {
        v.bitsPerPixel = 16;
      },
      (v) => [v.bitsPerPixel],
      [32],
    ],
    [
      'all channels zero (SDL 1.2: filled in)',
      (v) => {
        v.red = bitfield();
        v.green = bitfield();
        v.blue = bitfield();
        v.transp = bitfield();
      },
      (v) => [v.red.offset, v.green.length, v.transp.length],
      [16, 8, 0],
    ],
    [
      'timings and a pixclock (cleared)',
      (v) => {
        v.pixclock = 39722;
        v.leftMargin = 48;
        v.hsyncLen = 96;
        v.sync = 3;
        v.vmode = 1;
        v.rotate = 1;
      },
      (v) => [v.pixclock, v.leftMargin, v.hsyncLen, v.sync, v.vmode, v.rotate],
      [0, 0, 0, 0, 0, 0],
    ],
    [
      'the largest y offset (yres_virtual − yres)',
      (v) => {
        v.yoffset = 48;
      },
      (v) => [v.yoffset],
      [48],
    ],
    [
      'a wider xres than the buffer',
      (v) => {
        v.xres = 65;
      },
      'EINVAL',
    ],
    [
      'a taller virtual size than the buffer',
      (v) => {
        v.yresVirtual = 97;
      },
      'EINVAL',
    ],
    [
      'a higher bpp',
      (v) => {
        v.bitsPerPixel = 64;
      },
      'EINVAL',
    ],
    [
      'RGB565 channels (another pixel format)',
      (v) => {
        v.bitsPerPixel = 16;
        v.red = bitfield(11, 5);
        v.green = bitfield(5, 6);
        v.blue = bitfield(0, 5);
      },
      'EINVAL',
    ],
    [
      'an alpha channel on XRGB8888',
      (v) => {
        v.transp = bitfield(24, 8);
      },
      'EINVAL',
    ],
    [
      'grayscale',
      (v) => {
        v.grayscale = 1;
      },
      'EINVAL',
    ],
    [
      'nonstd',
      (v) => {
        v.nonstd = 1;
      },
      'EINVAL',
    ],
    [
      'below 8×8',
      (v) => {
        v.xres = 7;
      },
      'EINVAL',
    ],
    [
      'xres·yres overflowing u32',
      (v) => {
        v.xres = 0x10000;
        v.yres = 0x10000;
      },
      'EINVAL',
    ],
    [
      'a y offset past the buffer',
      (v) => {
        v.yoffset = 49;
      },
      'EINVAL',
    ],
    [
      'the current mode with FB_ACTIVATE_INV_MODE (cannot delete it)',
      (v) => {
        v.activate = FB_ACTIVATE_INV_MODE;
      },
      'EINVAL',
    ],
  ];
  for (const [what, edit, expected, values] of table) {
    it(`${typeof expected === 'string' ? 'refuses' : 'accepts'} ${what}`, () => {
      const { get, put } = setup();
      const before = get();
      const result = put(edit);
      if (typeof expected === 'string') {
        expect(result.errno).to.equal(expected);
        expect(get()).to.deep.equal(before); // state unchanged on error
      } else {
        expect(result.errno).to.equal(undefined);
        expect(expected(result.back!)).to.deep.equal(values); // what was copied back
        expect(expected(get())).to.deep.equal(values); // what sticks
      }
    });
  }

  it('FB_ACTIVATE_TEST and NXTOPEN adjust and copy back but store nothing', () => {
    for (const activate of [FB_ACTIVATE_TEST, FB_ACTIVATE_NXTOPEN]) {
      const { get, put } = setup();
      const before = get();
      const { back } = put((v) => {
        v.xres = 32;
        v.yresVirtual = 10;
        v.activate = activate;
      });
      expect([back!.xres, back!.yresVirtual]).to.deep.equal([32, 96]);
      expect(get()).to.deep.equal(before);
      expect(put((v) => Object.assign(v, { xres: 100, activate })).errno).to.equal('EINVAL');
    }
  });

  it('INV_MODE of another mode succeeds and changes nothing', () => {
    const { get, put } = setup();
    const before = get();
    expect(put((v) => Object.assign(v, { xres: 32, activate: FB_ACTIVATE_INV_MODE })).errno).to.equal(
      undefined,
    );
    expect(get()).to.deep.equal(before);
  });

  it('an identical var returns before any check unless FB_ACTIVATE_FORCE; KD_TEXT is dropped', () => {
    const { get, put, fb } = setup();
    expect(put((v) => Object.assign(v, { activate: FB_ACTIVATE_KD_TEXT })).back!.activate).to.equal(0);
    const forced = put((v) => Object.assign(v, { activate: FB_ACTIVATE_FORCE }));
    expect(forced.errno).to.equal(undefined);
    expect(get().activate).to.equal(FB_ACTIVATE_FORCE);
    expect(fb.device.scanout.width).to.equal(64);
  });

  it('a stored y offset pans the display (the compositor sees the panned-in rows)', () => {
    const { put, fb } = setup();
    put((v) => Object.assign(v, { yoffset: 20 }));
    expect([fb.device.scanout.xoffset, fb.device.scanout.yoffset]).to.deep.equal([0, 20]);
    expect(fb.device.helper.viewport().y1).to.equal(20);
  });
});
