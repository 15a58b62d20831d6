import { Rect } from '@fbemu/drm-fb-helper';
import { fbdevDefioModule, SCHEDULER } from '@fbemu/fbdev-defio';
import { isKernelError, type KernelError } from '@fbemu/gem-shmem';
import { expect } from 'chai';
import { Container } from 'inversify';
import { VirtualTimeScheduler } from 'rxjs';
import type { SvgaFifoWriter } from './fifo-writer.js';
import { vmwgfxModule } from './module.js';
import type { SvgaHost } from './svga-host.js';
import { SvgaReg } from './svga-reg.js';
import { recordUpdates, SMALL } from './test-support.js';
import {
  SVGA_FIFO,
  SVGA_HOST,
  SVGA_HOST_OPTIONS,
  SVGA_PORT,
  type SvgaPort,
  VMW_FB,
  VMW_FB_OPTIONS,
} from './tokens.js';
import { VMW_DIRTY_DELAY_MS, VmwFb } from './vmw-fb.js';

/** Guest fbdev on the host model: SMALL device (64 × 48 shadow, 256-byte pitch, 3 pages), 32 × 24 mode. */
async function rig() {
  const scheduler = new VirtualTimeScheduler();
  const c = new Container();
  c.bind(SCHEDULER).toConstantValue(scheduler);
  c.bind(SVGA_HOST_OPTIONS).toConstantValue(SMALL);
  c.bind(VMW_FB_OPTIONS).toConstantValue({ width: 32, height: 24 });
  await c.load(fbdevDefioModule, vmwgfxModule);
  const host = c.get<SvgaHost>(SVGA_HOST);
  const fb = c.get<VmwFb>(VMW_FB);
  const fifo = c.get<SvgaFifoWriter>(SVGA_FIFO);
  /**
   * Runs everything due up to virtual time `t`, then sets the clock to `t` (flush alone leaves it
   * at the last action it ran, so work scheduled next would be timed from the past).
   */
  const until = (t: number) => {
    expect(t, 'until() goes forward').to.be.at.least(scheduler.now());
    scheduler.maxFrames = t;
    scheduler.flush();
    scheduler.frame = t;
  };
  until(0); // set_par's immediate full flush
  const updates = recordUpdates(host);
  return { scheduler, host, fb, fifo, updates, until };
}

/** Shadow content that differs from what the host has, written behind defio's back. */
function patternShadow(fb: VmwFb): void {
  const b = fb.shadow.bytes;
  for (let i = 0; i < b.length; i++) b[i] = (i * 13 + 5) & 0xff;
}

/**
 * The host surface shows the panned shadow window inside `rects` (surface coordinates) and its
 * old bytes everywhere else.
 */
function expectWindow(host: SvgaHost, fb: VmwFb, before: Uint8Array, rects: readonly Rect[]): void {
  const { xoffset, yoffset } = fb.info.var;
  const s = host.surface;
  for (let y = 0; y < s.height; y++) {
    for (let x = 0; x < s.width; x++) {
      const inside = rects.some((r) => r.containsPoint(x, y));
      const at = y * s.pitch + x * 4;
      const from = inside ? fb.shadow.bytes : before;
      const o = inside ? fb.shadow.offsetOf(x + xoffset, y + yoffset) : at;
      for (let b = 0; b < 4; b++) {
        if (s.bytes[at + b] !== from[o + b])
          expect.fail(`pixel (${x},${y}) ${inside ? 'inside' : 'outside'} the damage is wrong`);
      }
    }
  }
}

const str = (rs: readonly Rect[]) => rs.map(String);

describe('VmwFb (vmw fbdev → SVGA FIFO → host)', () => {
  it('sets up the shadow and the mode as vmw_fb_init does', async () => {
    const { fb, host } = await rig();
    expect(fb.info.fix).to.deep.equal({ smemLen: 64 * 48 * 4, lineLength: 256 });
    expect(fb.info.var).to.include({
      xres: 32,
      yres: 24,
      xresVirtual: 64,
      yresVirtual: 48,
      bitsPerPixel: 32,
    });
    expect([host.readRegister(SvgaReg.WIDTH), host.readRegister(SvgaReg.HEIGHT)]).to.deep.equal([32, 24]);
    expect(host.readRegister(SvgaReg.ENABLE)).to.equal(1);
    expect(VMW_DIRTY_DELAY_MS).to.equal(33);
  });

  it('end to end: an mmap write reaches the host surface after HZ/30, its rows only', async () => {
    const { fb, host, updates, until } = await rig();
    patternShadow(fb);
    const before = host.surface.bytes.slice();
    const file = fb.defio.open();
    const map = fb.defio.mmap(file, { length: fb.info.fix.smemLen });
    map.setUint32(20 * 256 + 5 * 4, 0x00ff00ff); // pixel (5, 20): page 1 = rows 16..31
    until(VMW_DIRTY_DELAY_MS - 1);
    expect(updates).to.deep.equal([]);
    until(VMW_DIRTY_DELAY_MS);
    expect(str(updates)).to.deep.equal([new Rect(0, 16, 32, 24).toString()]);
    expectWindow(host, fb, before, updates);
    expect(fb.shadow.u32![20 * 64 + 5]).to.equal(0x00ff00ff);
  });

  it('until() advances virtual time even when nothing is due', async () => {
    const { scheduler, until } = await rig();
    until(20);
    expect(scheduler.now()).to.equal(20);
  });

  it('a draw op is flushed HZ/30 after the first damage; later damage joins it without rescheduling', async () => {
    const { fb, host, updates, until, scheduler } = await rig();
    const before = host.surface.bytes.slice();
    fb.fillrect({ dx: 2, dy: 3, width: 4, height: 2, color: 0xff0000 });
    until(20);
    fb.fillrect({ dx: 10, dy: 10, width: 2, height: 2, color: 0x00ff00 });
    until(VMW_DIRTY_DELAY_MS - 1);
    expect(updates).to.deep.equal([]);
    until(VMW_DIRTY_DELAY_MS);
    expect(scheduler.now()).to.equal(VMW_DIRTY_DELAY_MS);
    expect(str(updates)).to.deep.equal([new Rect(2, 3, 12, 12).toString()]);
    expectWindow(host, fb, before, updates);
    expect(host.surface.bytes[(3 * 32 + 2) * 4 + 2]).to.equal(0xff);
  });

  it('marks, copies, blits and pans while a flush is pending never push it back', async () => {
    const { fb, updates, until } = await rig();
    fb.dirtyMark(new Rect(0, 0, 1, 1));
    until(8);
    fb.copyarea({ sx: 0, sy: 0, dx: 4, dy: 4, width: 2, height: 2 });
    until(16);
    fb.imageblit({
      dx: 8,
      dy: 8,
      width: 8,
      height: 1,
      depth: 1,
      fgColor: 1,
      bgColor: 0,
      data: new Uint8Array([0xff]),
    });
    until(24);
    fb.panDisplay(0, 0);
    until(32);
    fb.dirtyMark(new Rect(30, 20, 31, 21));
    until(VMW_DIRTY_DELAY_MS);
    expect(str(updates)).to.deep.equal([new Rect(0, 0, 32, 24).toString()]);
    until(200);
    expect(updates).to.have.length(1);
  });

  it('unions a defio batch with pending draw-op damage (the kernel replaced it and lost the fill)', async () => {
    const { fb, host, updates, until } = await rig();
    const before = host.surface.bytes.slice();
    const map = fb.defio.mmap(fb.defio.open(), { length: fb.info.fix.smemLen });
    map.setUint32(17 * 256, 0x123456); // row 17 (page 1) at t = 0: defio writeback at 33
    until(10);
    fb.fillrect({ dx: 20, dy: 1, width: 3, height: 3, color: 0xabcdef }); // rows 1..3, flush due at 43
    until(VMW_DIRTY_DELAY_MS);
    expect(str(updates)).to.deep.equal([new Rect(0, 1, 32, 24).toString()]);
    expectWindow(host, fb, before, updates);
    expect(host.surface.bytes[(1 * 32 + 20) * 4]).to.equal(0xef);
    until(100);
    expect(updates).to.have.length(1);
  });

  it('copyarea and imageblit draw through drm-fb-helper and damage their clipped rects', async () => {
    const { fb, host, updates, until } = await rig();
    const before = host.surface.bytes.slice();
    fb.imageblit({
      dx: 30,
      dy: 0,
      width: 8,
      height: 1,
      depth: 1,
      fgColor: 0xffffff,
      bgColor: 0,
      data: new Uint8Array([0xa0]),
    });
    fb.copyarea({ sx: 30, sy: 0, dx: 0, dy: 5, width: 2, height: 1 });
    until(VMW_DIRTY_DELAY_MS);
    // the image is clipped by the 64-wide shadow, not the 32-wide mode; the flush clips to the mode
    expect(str(updates)).to.deep.equal([new Rect(0, 0, 32, 6).toString()]);
    expectWindow(host, fb, before, updates);
    expect(fb.shadow.u32![5 * 64]).to.equal(0xffffff);
    expect(fb.shadow.u32![5 * 64 + 1]).to.equal(0);
  });

  it('pan: the visible window of the shadow lands on the host, nothing past the scanout buffer is written', async () => {
    const { fb, host, updates, until } = await rig();
    patternShadow(fb);
    const vram = host.memory.vram;
    const scanoutBytes = 32 * 24 * 4;
    vram.fill(0x5a, scanoutBytes); // sentinel after the scanout buffer
    const before = host.surface.bytes.slice();
    fb.panDisplay(30, 20);
    until(VMW_DIRTY_DELAY_MS);
    expect(str(updates)).to.deep.equal([new Rect(0, 0, 32, 24).toString()]);
    expectWindow(host, fb, before, updates);
    expect(vram.subarray(scanoutBytes).every((b) => b === 0x5a)).to.equal(true);
    // a write in the panned view: shadow row 40 (page 2 = rows 32..47) is surface rows 12..23; the
    // kernel's clamp (pan offset + mode) copied 34 of 32 pixels per row and rows 12..27 of 24 here
    updates.length = 0;
    const after = host.surface.bytes.slice();
    const map = fb.defio.mmap(fb.defio.open(), { length: fb.info.fix.smemLen });
    map.setUint32(40 * 256 + 60 * 4, 0xfedcba);
    until(2 * VMW_DIRTY_DELAY_MS);
    expect(str(updates)).to.deep.equal([new Rect(0, 12, 32, 24).toString()]);
    expectWindow(host, fb, after, updates);
    expect(vram.subarray(scanoutBytes).every((b) => b === 0x5a)).to.equal(true);
  });

  it('pan_display rejects a view outside the shadow (EINVAL) and changes nothing', async () => {
    const { fb } = await rig();
    for (const [x, y] of [
      [33, 0],
      [0, 25],
      [-1, 0],
      [1.5, 0],
    ] as const) {
      expect(() => fb.panDisplay(x, y))
        .to.throw()
        .that.satisfies((e: unknown) => isKernelError(e, 'EINVAL'));
    }
    expect([fb.info.var.xoffset, fb.info.var.yoffset]).to.deep.equal([0, 0]);
    expect(fb.pendingDirty.isEmpty()).to.equal(true);
  });

  it('waits for FIFO room when the ring is full and flushes once the host drains it', async () => {
    const { fb, host, fifo, updates, until } = await rig();
    host.writeRegister(SvgaReg.ENABLE, 0);
    while (fifo.update(0, 0, 1, 1));
    fb.fillrect({ dx: 1, dy: 1, width: 1, height: 1, color: 7 });
    until(VMW_DIRTY_DELAY_MS);
    expect(fb.pendingDirty.toString()).to.equal(new Rect(1, 1, 2, 2).toString());
    until(100);
    host.writeRegister(SvgaReg.ENABLE, 1);
    until(110);
    expect(fb.pendingDirty.isEmpty()).to.equal(true);
    expect(updates.at(-1)!.toString()).to.equal(new Rect(1, 1, 2, 2).toString());
  });

  it('reports a device lockup (EBUSY) after 3 s of a full ring and drops the damage', async () => {
    const { fb, host, fifo, until } = await rig();
    const errors: KernelError[] = [];
    fb.errors$.subscribe((e) => errors.push(e));
    host.writeRegister(SvgaReg.ENABLE, 0);
    while (fifo.update(0, 0, 1, 1));
    fb.fillrect({ dx: 1, dy: 1, width: 1, height: 1, color: 7 });
    until(VMW_DIRTY_DELAY_MS + 2999);
    expect(errors).to.deep.equal([]);
    until(VMW_DIRTY_DELAY_MS + 3000);
    expect(errors.map((e) => e.code)).to.deep.equal(['EBUSY']);
    expect(fb.pendingDirty.isEmpty()).to.equal(true);
  });

  it('off holds damage back; on flushes it at once', async () => {
    const { fb, updates, until } = await rig();
    fb.off();
    fb.fillrect({ dx: 0, dy: 0, width: 2, height: 2, color: 1 });
    until(200);
    expect(updates).to.deep.equal([]);
    fb.on();
    until(200);
    expect(str(updates)).to.deep.equal([new Rect(0, 0, 2, 2).toString()]);
  });

  it('close flushes the last mmap writes through to the host', async () => {
    const { fb, host, updates } = await rig();
    const map = fb.defio.mmap(fb.defio.open(), { length: fb.info.fix.smemLen });
    map.setUint32(0, 0xcafe);
    fb.close();
    expect(str(updates)).to.deep.equal([new Rect(0, 0, 32, 16).toString()]);
    expect(new Uint32Array(host.surface.bytes.buffer)[0]).to.equal(0xcafe);
  });

  it('refuses a device that does not speak SVGA II (ENODEV)', async () => {
    const c = new Container();
    c.bind(SCHEDULER).toConstantValue(new VirtualTimeScheduler());
    await c.load(fbdevDefioModule, vmwgfxModule);
    const dead: SvgaPort = { readRegister: () => 0, writeRegister: () => {} };
    await c.unbind(SVGA_PORT);
    c.bind(SVGA_PORT).toConstantValue(dead);
    expect(() => c.get(VMW_FB))
      .to.throw()
      .that.satisfies((e: unknown) => isKernelError(e, 'ENODEV'));
  });
});
