import { KernelError } from '@fbemu/gem-shmem';
import { expect } from 'chai';
import fc from 'fast-check';
import { queueScheduler } from 'rxjs';
import { pixelFormatEqual } from './check-var.js';
import { makeFb, openFile } from './test-support.js';
import {
  bitfield,
  decodeVar,
  encodeVar,
  FB_ACTIVATE_NOW,
  FB_ACTIVATE_TEST,
  FBIOGET_VSCREENINFO,
  FBIOPUT_VSCREENINFO,
  VAR_SCREENINFO_SIZE,
  type VarScreeninfo,
} from './uapi.js';

/** Mostly values around the 64×48-on-64×96 device, sometimes edges and arbitrary u32s. */
const u32 = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 72 }), weight: 12 },
  { arbitrary: fc.constantFrom(7, 8, 47, 48, 49, 63, 64, 65, 95, 96, 97, 0xffffffff), weight: 2 },
  { arbitrary: fc.integer({ min: 0, max: 0xffffffff }), weight: 1 },
);
const offset = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 50 }), weight: 6 },
  { arbitrary: u32, weight: 1 },
);
const channels = fc.constantFrom(
  [bitfield(16, 8), bitfield(8, 8), bitfield(0, 8), bitfield(0, 0)],
  [bitfield(16, 8), bitfield(8, 8), bitfield(0, 8), bitfield(0, 0)],
  [bitfield(), bitfield(), bitfield(), bitfield()],
  [bitfield(11, 5), bitfield(5, 6), bitfield(0, 5), bitfield(0, 0)],
  [bitfield(16, 8), bitfield(8, 8), bitfield(0, 8), bitfield(24, 8)],
);

function attempt(put: () => void): string | undefined {
  try {
    put();
    return undefined;
  } catch (e) {
    if (e instanceof KernelError) return e.code;
    throw e;
  }
}

describe('properties (fast-check)', () => {
  it('FBIOPUT_VSCREENINFO: EINVAL leaves the var as it was; success stores a var the device can show', () => {
    let accepted = 0;
    fc.assert(
      fc.property(
        fc.record({
          xres: u32,
          yres: u32,
          xv: u32,
          yv: u32,
          xoff: offset,
          yoff: offset,
          bpp: fc.constantFrom(0, 16, 24, 32, 32, 32, 64),
          ch: channels,
          gray: fc.constantFrom(0, 0, 0, 1),
          test: fc.boolean(),
        }),
        (r) => {
          const fb = makeFb(queueScheduler, { width: 64, height: 48, virtualHeight: 96 });
          const file = openFile(fb.chrdev);
          const arg = fb.mem.alloc(VAR_SCREENINFO_SIZE);
          const get = () => {
            fb.fops.ioctl!(file, FBIOGET_VSCREENINFO, arg, fb.mem);
            return decodeVar(fb.mem.read(arg, VAR_SCREENINFO_SIZE));
          };
          const before = get();
          const v: VarScreeninfo = {
            ...before,
            xres: r.xres,
            yres: r.yres,
            xresVirtual: r.xv,
            yresVirtual: r.yv,
          };
          Object.assign(v, { xoffset: r.xoff, yoffset: r.yoff, bitsPerPixel: r.bpp, grayscale: r.gray });
          [v.red, v.green, v.blue, v.transp] = r.ch;
          v.activate = r.test ? FB_ACTIVATE_TEST : FB_ACTIVATE_NOW;
          fb.mem.write(arg, encodeVar(v));
          const errno = attempt(() => fb.fops.ioctl!(file, FBIOPUT_VSCREENINFO, arg, fb.mem));
          const back = decodeVar(fb.mem.read(arg, VAR_SCREENINFO_SIZE));
          const after = get();
          if (errno !== undefined || r.test) {
            expect(errno === undefined || errno === 'EINVAL').to.equal(true);
            expect(after).to.deep.equal(before);
          } else {
            expect(after).to.deep.equal(back); // what was copied back is what sticks
          }
          if (errno !== undefined) return;
          accepted++;
          expect([back.xresVirtual, back.yresVirtual, back.bitsPerPixel]).to.deep.equal([64, 96, 32]);
          expect(back.xres >= 8 && back.xres <= 64 && back.yres >= 8 && back.yres <= 96).to.equal(true);
          expect(back.xoffset + back.xres <= 64 && back.yoffset + back.yres <= 96).to.equal(true);
          expect(pixelFormatEqual(back, before)).to.equal(true);
          expect(fb.device.scanout.width).to.equal(64); // the display mode never changes
        },
      ),
      { numRuns: 400 },
    );
    expect(accepted).to.be.greaterThan(0); // the generator reaches the accepting side (~4% of runs)
  });

  it('write(2) at any position and count: bytes land exactly in [pos, pos+n), n as fb_sys_write computes it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 13000 }), fc.integer({ min: 0, max: 13000 }), (pos, count) => {
        const fb = makeFb(queueScheduler, { width: 64, height: 48 });
        const file = openFile(fb.chrdev);
        const smem = fb.device.fix.smemLen;
        const src = fb.mem.put(new Uint8Array(count).fill(0x5a));
        const ppos = { pos };
        let n = 0;
        const errno = attempt(() => {
          n = fb.fops.write!(file, src, count, ppos, fb.mem);
        });
        const expected = pos > smem ? 'EFBIG' : pos === smem && count > 0 ? 'ENOSPC' : undefined;
        expect(errno).to.equal(expected);
        if (errno === undefined) expect(n).to.equal(Math.min(count, smem - pos));
        expect(ppos.pos).to.equal(pos + n);
        const pixels = fb.device.helper.screen.bytes;
        const wrong = pixels.findIndex((b, i) => i < smem && b !== (i >= pos && i < pos + n ? 0x5a : 0));
        expect(wrong).to.equal(-1);
      }),
      { numRuns: 200 },
    );
  });
});
