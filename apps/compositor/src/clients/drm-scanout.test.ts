import { type FbSurface, Rect, RGB565, XRGB8888 } from '@fbemu/drm-fb-helper';
import type { ScanoutFrame } from '@fbemu/drm-kms';
import { Client, FakeProcessMapping, makeDevice, vma, writeMode } from '@fbemu/drm-kms/test-support';
import { expect } from 'chai';
import { VirtualTimeScheduler } from 'rxjs';
import { Compositor, type FrameEvent } from '../compose/compositor.js';
import { DrmScanoutSource, mountDrmScanout } from './drm-scanout.js';

const BG = 0x123456;
const AT = { id: 'drm', x: 10, y: 20, z: 1 };

function setup(x = AT.x) {
  const scheduler = new VirtualTimeScheduler();
  const { dev } = makeDevice({ width: 64, height: 48, extraModes: [[32, 24]] }, scheduler);
  const compositor = new Compositor({ width: 100, height: 80, background: BG }, scheduler);
  const source = new DrmScanoutSource(dev, compositor, scheduler, { ...AT, x });
  mountDrmScanout(compositor, source);
  scheduler.flush();
  const composited: FrameEvent[] = [];
  compositor.frames$.subscribe((f) => composited.push(f));
  const scanout: ScanoutFrame[] = [];
  dev.scanout$.subscribe((f) => scanout.push(f));
  return { scheduler, dev, compositor, source, composited, scanout, a: new Client(dev, 100) };
}

/** A dumb buffer + fb of `c`; returns the fb id. */
function fb(c: Client, width = 64, height = 48, format = XRGB8888): number {
  const { handle, pitch } = c.createDumb(width, height, format.bpp);
  return c.addFb2(handle, width, height, pitch, format.code);
}

/** The surface the CRTC shows now. */
function shown(s: ReturnType<typeof setup>): FbSurface {
  const b = s.dev.scanout.current();
  if (!b) throw new Error('CRTC is off');
  return b.screen;
}

function fill(surface: FbSurface, xrgb: number): void {
  for (let y = 0; y < surface.height; y++)
    for (let x = 0; x < surface.width; x++) surface.u32?.set([xrgb], (y * surface.pitch) / 4 + x);
}

/** The output pixels of `r` (output coordinates) whose colour differs from `xrgb` (the X byte is ignored), counted. */
function differing(c: Compositor, r: Rect, xrgb: number): number {
  let n = 0;
  for (let y = r.y1; y < r.y2; y++)
    for (let x = r.x1; x < r.x2; x++) if ((c.pixels[y * c.stride + x] & 0xffffff) !== xrgb) n++;
  return n;
}

const planeArea = new Rect(AT.x, AT.y, AT.x + 64, AT.y + 48);

function flip(a: Client, fbId: number, userData = 7n): string {
  const s = a
    .struct('drm_mode_crtc_page_flip_target')
    .set32('crtc_id', a.dev.config.crtc.id)
    .set32('fb_id', fbId)
    .set32('flags', 1) // DRM_MODE_PAGE_FLIP_EVENT
    .set64('user_data', userData);
  return a.ioctl('DRM_IOCTL_MODE_PAGE_FLIP', s);
}

function dirty(a: Client, fbId: number, clips: [number, number, number, number][]): string {
  const addr = a.mem.alloc(clips.length * 8);
  const v = a.mem.view(addr, clips.length * 8);
  clips.flat().forEach((n, i) => {
    v.setUint16(i * 2, n, true);
  });
  const s = a.struct('drm_mode_fb_dirty_cmd').set32('fb_id', fbId).set64('clips_ptr', addr);
  return a.ioctl('DRM_IOCTL_MODE_DIRTYFB', s.set32('num_clips', clips.length));
}

describe('DrmScanoutSource', () => {
  it('shows black at the preferred size before any modeset', () => {
    const s = setup();
    expect([s.source.plane.surface.width, s.source.plane.surface.height]).to.deep.equal([64, 48]);
    expect(differing(s.compositor, planeArea, 0)).to.equal(0);
    expect(differing(s.compositor, new Rect(0, 0, 100, 20), BG)).to.equal(0);
  });

  it('SETCRTC: the plane surface is the buffer itself (no copy) and the output shows its pixels', () => {
    const s = setup();
    const A = fb(s.a);
    expect(s.a.setCrtc(A)).to.equal('OK');
    expect(s.source.plane.surface).to.equal(shown(s));
    fill(shown(s), 0xff0000);
    s.scheduler.flush();
    expect(differing(s.compositor, planeArea, 0xff0000)).to.equal(0);
    // a later store into the buffer is what the plane reads: same memory
    shown(s).u32?.set([0x00ff00], 0);
    s.compositor.damageOutput(new Rect(AT.x, AT.y, AT.x + 1, AT.y + 1));
    s.compositor.composite();
    expect(s.compositor.pixels[AT.y * 100 + AT.x]).to.equal(0x00ff00);
  });

  it('PAGE_FLIP: B is shown by the next composite, and the event is queued only after it', () => {
    const s = setup();
    const A = fb(s.a);
    const B = fb(s.a);
    s.a.setCrtc(A);
    fill(shown(s), 0xff0000);
    s.scheduler.flush();
    expect(flip(s.a, B, 0x55n)).to.equal('OK');
    fill(shown(s), 0x0000ff);
    expect(s.source.plane.surface).to.equal(shown(s));
    expect(s.a.chr.events).to.have.length(0);
    expect(differing(s.compositor, planeArea, 0xff0000)).to.equal(0); // not composited yet
    const before = s.composited.length;
    s.scheduler.flush();
    expect(s.composited.length).to.equal(before + 1);
    expect(differing(s.compositor, planeArea, 0x0000ff)).to.equal(0);
    expect(s.a.chr.events).to.have.length(1);
    const ev = new DataView(s.a.chr.events[0].buffer);
    expect(ev.getBigUint64(8, true)).to.equal(0x55n);
    expect(s.source.stats.flips).to.equal(1);
    expect(flip(s.a, A)).to.equal('OK'); // the flip completed: the next one is not EBUSY
  });

  it('a flip with the plane entirely off the output still completes (vblank without a composite)', () => {
    const s = setup(500);
    const A = fb(s.a);
    const B = fb(s.a);
    s.a.setCrtc(A);
    s.scheduler.flush();
    const before = s.composited.length;
    expect(flip(s.a, B)).to.equal('OK');
    s.scheduler.flush();
    expect(s.composited.length).to.equal(before);
    expect(s.a.chr.events).to.have.length(1);
  });

  it('DIRTYFB: exactly the clips are recomposited, at the plane position', () => {
    const s = setup();
    const A = fb(s.a);
    s.a.setCrtc(A);
    s.scheduler.flush();
    s.composited.length = 0;
    fill(shown(s), 0xabcdef); // stores the device cannot see (no tracked mapping)
    expect(
      dirty(s.a, A, [
        [1, 2, 5, 6],
        [40, 30, 64, 48],
      ]),
    ).to.equal('OK');
    s.scheduler.flush();
    expect(s.composited.map((f) => f.rects.map(String))).to.deep.equal([['(11,22,15,26)', '(50,50,74,68)']]);
    expect(s.a.chr.events).to.have.length(0); // DIRTYFB is no flip
    const shownPixels = 4 * 4 + 24 * 18;
    expect(64 * 48 - differing(s.compositor, planeArea, 0xabcdef)).to.equal(shownPixels);
  });

  it('stores through a tracked mapping without DIRTYFB become damage of their rows', () => {
    const s = setup();
    const { handle, pitch, size } = s.a.createDumb(64, 48);
    const A = s.a.addFb2(handle, 64, 48, pitch, XRGB8888.code);
    s.a.setCrtc(A);
    s.scheduler.flush();
    s.composited.length = 0;
    const off = s.a.mapDumb(handle);
    const pm = new FakeProcessMapping(vma(off, size));
    s.dev.fops.mmap?.(s.a.chr, vma(off, size))?.attach?.(pm);
    shown(s).u32?.set([0x777777], 20 * (pitch / 4)); // pixel (0, 20): page 1 (pitch 256: rows 16–31)
    pm.store(1);
    s.scheduler.flush();
    expect(s.composited.map((f) => f.rects.map(String))).to.deep.equal([['(10,36,74,52)']]);
    expect(s.compositor.pixels[(AT.y + 20) * 100 + AT.x]).to.equal(0x777777);
  });

  it('CRTC off: the plane shows black at its last size; RMFB of the shown fb does the same', () => {
    for (const off of [
      (a: Client) => a.setCrtc(0),
      (a: Client, id: number) => a.ioctl('DRM_IOCTL_MODE_RMFB', rmfb(a, id)),
    ]) {
      const s = setup();
      const A = fb(s.a);
      s.a.setCrtc(A);
      fill(shown(s), 0xffffff);
      s.scheduler.flush();
      expect(off(s.a, A)).to.equal('OK');
      expect(s.dev.scanout.current()).to.equal(undefined);
      s.scheduler.flush();
      expect(s.scanout.at(-1)?.reason).to.equal('off');
      expect(differing(s.compositor, planeArea, 0)).to.equal(0);
      expect(s.source.plane.surface).to.not.equal(undefined);
      expect(s.source.plane.surface.bytes.buffer).to.not.equal(
        s.scanout[0].buffer?.screen.bytes.buffer,
        'the plane no longer reads the removed buffer',
      );
    }
  });

  it('a smaller mode: the area the plane no longer covers shows the background', () => {
    const s = setup();
    const A = fb(s.a);
    s.a.setCrtc(A);
    fill(shown(s), 0xff00ff);
    s.scheduler.flush();
    const small = s.a.struct('drm_mode_crtc');
    expect(setSmallMode(s.a, small, A)).to.equal('OK');
    s.scheduler.flush();
    expect([s.source.plane.surface.width, s.source.plane.surface.height]).to.deep.equal([32, 24]);
    expect(differing(s.compositor, new Rect(AT.x, AT.y, AT.x + 32, AT.y + 24), 0xff00ff)).to.equal(0);
    expect(differing(s.compositor, new Rect(AT.x + 32, AT.y, AT.x + 64, AT.y + 48), BG)).to.equal(0);
  });

  it('an RGB565 buffer is converted to the output format', () => {
    const s = setup();
    const A = fb(s.a, 64, 48, RGB565);
    s.a.setCrtc(A);
    const screen = shown(s);
    expect(screen.format).to.equal(RGB565);
    for (let y = 0; y < 48; y++)
      screen.u16?.fill(0xf800, (y * screen.pitch) / 2, (y * screen.pitch) / 2 + 64); // red
    s.scheduler.flush();
    expect(differing(s.compositor, planeArea, 0xff0000)).to.equal(0);
  });

  it('close() completes a flip still waiting for its composite', () => {
    const s = setup();
    const A = fb(s.a);
    const B = fb(s.a);
    s.a.setCrtc(A);
    s.scheduler.flush();
    flip(s.a, B);
    s.source.close();
    expect(s.a.chr.events).to.have.length(1);
  });
});

function rmfb(a: Client, id: number): number {
  const addr = a.mem.alloc(4);
  a.mem.view(addr, 4).setUint32(0, id, true);
  return addr;
}

/** SETCRTC with the connector's second mode (32×24). */
function setSmallMode(a: Client, s: ReturnType<Client['struct']>, fbId: number): string {
  const { config } = a.dev;
  const conns = a.mem.alloc(4);
  a.mem.view(conns, 4).setUint32(0, config.connector.id, true);
  s.set32('crtc_id', config.crtc.id).set32('fb_id', fbId).set64('set_connectors_ptr', conns);
  s.set32('count_connectors', 1).set32('mode_valid', 1);
  writeMode(s, config.connector.modes[1]);
  return a.ioctl('DRM_IOCTL_MODE_SETCRTC', s);
}
