import { Rect, Region, RGB565, XRGB8888 } from '@fbemu/drm-fb-helper';
import { expect } from 'chai';
import { VirtualTimeScheduler } from 'rxjs';
import type { ScanoutFrame } from './scanout.js';
import { Client, makeDevice, userArray, writeMode } from './test-support.js';
import { DRM_EVENT_FLIP_COMPLETE, DRM_MODE_PAGE_FLIP_EVENT, STRUCTS } from './uapi.js';

function setup() {
  const scheduler = new VirtualTimeScheduler();
  const { dev, gem } = makeDevice({}, scheduler);
  const frames: ScanoutFrame[] = [];
  dev.scanout$.subscribe((f) => frames.push(f));
  const a = new Client(dev, 100);
  return { dev, gem, a, b: new Client(dev, 200), frames, scheduler };
}

/** A 640×480 XRGB8888 dumb buffer + fb of client `c`. */
function fb(c: Client, width = 640, height = 480): { id: number; handle: number; pitch: number } {
  const { handle, pitch } = c.createDumb(width, height);
  return { id: c.addFb2(handle, width, height, pitch, XRGB8888.code), handle, pitch };
}

const rects = (f: ScanoutFrame) => f.damage.map((r) => r.toString());

describe('SETCRTC', () => {
  it('scans out the fb: one full-screen frame with the fb surface and viewport', () => {
    const { a, frames, dev } = setup();
    const f = fb(a, 800, 600);
    expect(a.setCrtc(f.id, 100, 50)).to.equal('OK');
    expect(frames).to.have.length(1);
    const [frame] = frames;
    expect(frame.reason).to.equal('modeset');
    expect(frame.buffer?.fbId).to.equal(f.id);
    expect(frame.buffer?.viewport.toString()).to.equal('(100,50,740,530)');
    expect(rects(frame)).to.deep.equal(['(0,0,640,480)']);
    expect(frame.buffer?.surface.pitch).to.equal(f.pitch);
    const screen = frame.buffer?.screen;
    expect([screen?.width, screen?.height, screen?.pitch]).to.deep.equal([640, 480, f.pitch]);
    const fbBytes = frame.buffer?.surface.bytes as Uint8Array;
    fbBytes[50 * f.pitch + 100 * 4] = 0xab; // fb pixel (100, 50) = screen pixel (0, 0)
    expect(screen?.bytes[0]).to.equal(0xab);
    expect(dev.scanout.current()?.fbId).to.equal(f.id);
  });

  it('mode_valid 0 turns the CRTC off (an "off" frame); fb_id −1 reuses the current fb', () => {
    const { a, frames } = setup();
    const f = fb(a);
    a.setCrtc(f.id);
    const s = a.struct('drm_mode_crtc').set32('crtc_id', a.dev.config.crtc.id).set32('fb_id', 0xffffffff);
    const conns = userArray(a.mem, 1);
    a.mem.view(conns.addr, 4).setUint32(0, a.dev.config.connector.id, true);
    s.set32('mode_valid', 1).set32('count_connectors', 1).set64('set_connectors_ptr', conns.addr);
    writeMode(s, a.dev.config.connector.modes[0]);
    expect(a.ioctl('DRM_IOCTL_MODE_SETCRTC', s)).to.equal('OK');
    expect(frames.at(-1)?.buffer?.fbId).to.equal(f.id);
    expect(a.setCrtc(0)).to.equal('OK');
    expect(frames.at(-1)?.reason).to.equal('off');
    expect(frames.at(-1)?.buffer).to.equal(undefined);
    expect(a.ioctl('DRM_IOCTL_MODE_SETCRTC', s)).to.equal('EINVAL'); // no current fb any more
  });

  function base(a: Client, fbId: number) {
    const s = a.struct('drm_mode_crtc').set32('crtc_id', a.dev.config.crtc.id).set32('fb_id', fbId);
    const conns = userArray(a.mem, 1);
    a.mem.view(conns.addr, 4).setUint32(0, a.dev.config.connector.id, true);
    s.set32('mode_valid', 1).set32('count_connectors', 1).set64('set_connectors_ptr', conns.addr);
    writeMode(s, a.dev.config.connector.modes[0]);
    return s;
  }
  const M = STRUCTS.drm_mode_modeinfo.fields;
  const modeAt = STRUCTS.drm_mode_crtc.fields.mode;
  const bad: [string, (s: ReturnType<Client['struct']>, a: Client) => void, string][] = [
    ['x beyond 16 bits', (s) => s.set32('x', 0x10000), 'ERANGE'],
    ['unknown crtc', (s) => s.set32('crtc_id', 999), 'ENOENT'],
    ['unknown fb', (s) => s.set32('fb_id', 999), 'ENOENT'],
    [
      'clock above INT_MAX',
      (s, a) => a.mem.view(s.addr + modeAt + M.clock, 4).setUint32(0, 0x80000000, true),
      'ERANGE',
    ],
    ['clock 0', (s, a) => a.mem.view(s.addr + modeAt + M.clock, 4).setUint32(0, 0, true), 'EINVAL'],
    [
      'hsync before hdisplay',
      (s, a) => a.mem.view(s.addr + modeAt + M.hsync_start, 2).setUint16(0, 10, true),
      'EINVAL',
    ],
    [
      'aspect ratio without the cap',
      (s, a) => a.mem.view(s.addr + modeAt + M.flags, 4).setUint32(0, 1 << 19, true),
      'EINVAL',
    ],
    [
      'unknown mode flag',
      (s, a) => a.mem.view(s.addr + modeAt + M.flags, 4).setUint32(0, 1 << 10, true),
      'EINVAL',
    ],
    ['viewport past the fb', (s) => s.set32('x', 1), 'ENOSPC'],
    ['mode without connectors', (s) => s.set32('count_connectors', 0), 'EINVAL'],
    ['too many connectors', (s) => s.set32('count_connectors', 2), 'EINVAL'],
    ['unreadable connector array', (s) => s.set64('set_connectors_ptr', 8), 'EFAULT'],
    [
      'unknown connector',
      (s, a) => a.mem.view(Number(s.u64('set_connectors_ptr')), 4).setUint32(0, 999, true),
      'ENOENT',
    ],
    ['connectors without a mode', (s) => s.set32('mode_valid', 0), 'EINVAL'],
  ];
  for (const [what, mutate, errno] of bad) {
    it(`${what} → ${errno}, the CRTC unchanged`, () => {
      const { a, frames, dev } = setup();
      const f = fb(a);
      const s = base(a, f.id);
      mutate(s, a);
      expect(a.ioctl('DRM_IOCTL_MODE_SETCRTC', s)).to.equal(errno);
      expect(frames).to.have.length(0);
      expect(dev.config.crtc.enabled).to.equal(false);
    });
  }
});

describe('PAGE_FLIP', () => {
  function flip(
    a: Client,
    fbId: number,
    flags = DRM_MODE_PAGE_FLIP_EVENT,
    userData = 0x1122334455667788n,
  ): string {
    const s = a
      .struct('drm_mode_crtc_page_flip_target')
      .set32('crtc_id', a.dev.config.crtc.id)
      .set32('fb_id', fbId);
    s.set32('flags', flags).set64('user_data', userData);
    return a.ioctl('DRM_IOCTL_MODE_PAGE_FLIP', s);
  }

  it('shows the new buffer at once (full damage) and queues the event bytes after flipDone', () => {
    const { a, frames, dev, scheduler } = setup();
    const f1 = fb(a);
    const f2 = fb(a);
    a.setCrtc(f1.id);
    scheduler.schedule(() => {}, 2345);
    scheduler.flush();
    expect(flip(a, f2.id)).to.equal('OK');
    expect(frames.at(-1)?.reason).to.equal('flip');
    expect(frames.at(-1)?.buffer?.fbId).to.equal(f2.id);
    expect(rects(frames.at(-1) as ScanoutFrame)).to.deep.equal(['(0,0,640,480)']);
    expect(a.chr.events).to.have.length(0);
    expect(flip(a, f1.id)).to.equal('EBUSY');
    dev.flipDone();
    expect(a.chr.events).to.have.length(1);
    const ev = new DataView(a.chr.events[0].buffer);
    const E = STRUCTS.drm_event_vblank.fields;
    expect(a.chr.events[0].length).to.equal(32);
    expect(ev.getUint32(E.base, true)).to.equal(DRM_EVENT_FLIP_COMPLETE);
    expect(ev.getUint32(E.base + 4, true)).to.equal(32);
    expect(ev.getBigUint64(E.user_data, true)).to.equal(0x1122334455667788n);
    expect([ev.getUint32(E.tv_sec, true), ev.getUint32(E.tv_usec, true)]).to.deep.equal([2, 345000]);
    expect(ev.getUint32(E.sequence, true)).to.equal(1);
    expect(ev.getUint32(E.crtc_id, true)).to.equal(dev.config.crtc.id);
    expect(flip(a, f1.id, 0)).to.equal('OK');
    dev.flipDone();
    expect(a.chr.events).to.have.length(1); // no EVENT flag: no event
  });

  const bad: [string, number, (a: Client, f: { id: number }) => string, string][] = [
    ['unknown flags', 0, (a, f) => flip(a, f.id, 0x10), 'EINVAL'],
    ['async', 0, (a, f) => flip(a, f.id, 2), 'EINVAL'],
    ['both targets', 0, (a, f) => flip(a, f.id, 0xc), 'EINVAL'],
    ['a target', 0, (a, f) => flip(a, f.id, 0x4), 'EINVAL'],
    ['unknown fb', 0, (a) => flip(a, 999), 'ENOENT'],
  ];
  for (const [what, , run, errno] of bad) {
    it(`${what} → ${errno}, nothing shown`, () => {
      const { a, frames } = setup();
      const f1 = fb(a);
      const f2 = fb(a);
      a.setCrtc(f1.id);
      expect(run(a, f2)).to.equal(errno);
      expect(frames).to.have.length(1);
      expect(a.dev.scanout.flipPending).to.equal(false);
    });
  }

  it('EBUSY while the CRTC is off; ENOSPC for a smaller fb; EINVAL for another format; EACCES for non-master', () => {
    const { a, b } = setup();
    const f1 = fb(a);
    expect(flip(a, f1.id)).to.equal('EBUSY');
    a.setCrtc(f1.id);
    expect(flip(a, fb(a, 320, 240).id)).to.equal('ENOSPC');
    const { handle, pitch } = a.createDumb(640, 480, 16);
    expect(flip(a, a.addFb2(handle, 640, 480, pitch, RGB565.code))).to.equal('EINVAL');
    expect(flip(b, f1.id)).to.equal('EACCES');
  });

  it('a closed file gets no event; turning the CRTC off completes a pending flip', () => {
    const { dev } = makeDevice();
    const a = new Client(dev, 1);
    const f1 = fb(a);
    const f2 = fb(a);
    a.setCrtc(f1.id);
    expect(flip(a, f2.id)).to.equal('OK');
    expect(a.setCrtc(0)).to.equal('OK');
    expect(dev.scanout.flipPending).to.equal(false);
    expect(a.chr.events).to.have.length(1);
    a.setCrtc(f1.id);
    flip(a, f2.id);
    a.close();
    dev.flipDone();
    expect(a.chr.events).to.have.length(1);
  });
});

describe('DIRTYFB', () => {
  function dirty(
    a: Client,
    fbId: number,
    clips: [number, number, number, number][],
    flags = 0,
    num?: number,
  ): string {
    const s = a.struct('drm_mode_fb_dirty_cmd').set32('fb_id', fbId).set32('flags', flags);
    if (clips.length > 0) {
      const addr = a.mem.alloc(clips.length * 8);
      const v = a.mem.view(addr, clips.length * 8);
      clips.forEach(([x1, y1, x2, y2], i) => {
        v.setUint16(i * 8, x1, true);
        v.setUint16(i * 8 + 2, y1, true);
        v.setUint16(i * 8 + 4, x2, true);
        v.setUint16(i * 8 + 6, y2, true);
      });
      s.set64('clips_ptr', addr);
    }
    s.set32('num_clips', num ?? clips.length);
    return a.ioctl('DRM_IOCTL_MODE_DIRTYFB', s);
  }

  it('clips become damage clipped to the viewport, in screen coordinates; no clips = full screen', () => {
    const { a, frames } = setup();
    const f = fb(a, 800, 600);
    a.setCrtc(f.id, 100, 100);
    expect(
      dirty(a, f.id, [
        [110, 120, 130, 140],
        [0, 0, 50, 50], // outside the viewport
        [700, 500, 800, 600], // partly outside
      ]),
    ).to.equal('OK');
    const last = frames.at(-1) as ScanoutFrame;
    expect(last.reason).to.equal('dirtyfb');
    expect(rects(last)).to.deep.equal(['(10,20,30,40)', '(600,400,640,480)']);
    expect(dirty(a, f.id, [])).to.equal('OK');
    expect(rects(frames.at(-1) as ScanoutFrame)).to.deep.equal(['(0,0,640,480)']);
  });

  it('empty, inverted or fully outside clips produce no frame; an fb not scanned out takes the call silently', () => {
    const { a, frames } = setup();
    const f = fb(a);
    const g = fb(a);
    a.setCrtc(f.id);
    const n = frames.length;
    expect(
      dirty(a, f.id, [
        [10, 10, 10, 20],
        [30, 30, 20, 20],
      ]),
    ).to.equal('OK');
    expect(dirty(a, f.id, [[640, 0, 700, 10]])).to.equal('OK');
    expect(dirty(a, g.id, [[0, 0, 10, 10]])).to.equal('OK');
    expect(frames).to.have.length(n);
  });

  it('ANNOTATE_COPY takes the first clip of each pair and needs an even count', () => {
    const { a, frames } = setup();
    const f = fb(a);
    a.setCrtc(f.id);
    expect(
      dirty(
        a,
        f.id,
        [
          [0, 0, 10, 10],
          [100, 100, 110, 110],
        ],
        1,
      ),
    ).to.equal('OK');
    expect(rects(frames.at(-1) as ScanoutFrame)).to.deep.equal(['(0,0,10,10)']);
    expect(dirty(a, f.id, [[0, 0, 10, 10]], 1)).to.equal('EINVAL');
  });

  it('more clips than maxRects merge (bounding boxes) into at most maxRects rects covering every clip', () => {
    const { a, frames } = setup();
    const f = fb(a);
    a.setCrtc(f.id);
    const clips: [number, number, number, number][] = [];
    for (let i = 0; i < 20; i++) clips.push([i * 20, i * 20, i * 20 + 5, i * 20 + 5]);
    expect(dirty(a, f.id, clips)).to.equal('OK');
    const damage = Region.fromRects((frames.at(-1) as ScanoutFrame).damage, 1000);
    expect(damage.numRects).to.be.at.most(16).and.at.least(1);
    for (const [x1, y1, x2, y2] of clips)
      expect(damage.containsRect(new Rect(x1, y1, x2, y2))).to.equal(true);
  });

  it('EINVAL for count/pointer mismatch and > 256 clips; EFAULT for unreadable clips; ENOENT unknown fb; EACCES non-master', () => {
    const { a, b } = setup();
    const f = fb(a);
    a.setCrtc(f.id);
    expect(dirty(a, f.id, [], 0, 1)).to.equal('EINVAL');
    expect(dirty(a, f.id, [[0, 0, 1, 1]], 0, 0)).to.equal('EINVAL');
    expect(dirty(a, f.id, [[0, 0, 1, 1]], 0, 257)).to.equal('EINVAL');
    expect(dirty(a, f.id, [[0, 0, 1, 1]], 0, 0x80000000)).to.equal('EINVAL');
    expect(dirty(a, f.id, [[0, 0, 1, 1]], 0, 2)).to.equal('EFAULT');
    expect(dirty(a, 999, [])).to.equal('ENOENT');
    expect(dirty(b, f.id, [])).to.equal('EACCES');
  });
});

describe('lifetime', () => {
  it('RMFB of the scanned-out fb turns the CRTC off; DESTROY_DUMB of its buffer does not', () => {
    const { a, frames, dev, gem } = setup();
    const f = fb(a);
    a.setCrtc(f.id);
    const d = a.struct('drm_mode_destroy_dumb').set32('handle', f.handle);
    expect(a.ioctl('DRM_IOCTL_MODE_DESTROY_DUMB', d)).to.equal('OK');
    expect(dev.scanout.current()?.fbId).to.equal(f.id);
    expect(gem.offsets.size).to.equal(1);
    const r = a.mem.alloc(4);
    a.mem.view(r, 4).setUint32(0, f.id, true);
    expect(a.ioctl('DRM_IOCTL_MODE_RMFB', r)).to.equal('OK');
    expect(frames.at(-1)?.reason).to.equal('off');
    expect(dev.config.crtc.enabled).to.equal(false);
    expect(gem.offsets.size).to.equal(0);
  });

  it('closing a file without cleanup frees its fbs, handles and objects, and turns the CRTC off', () => {
    const { a, b, dev, gem, frames } = setup();
    const f = fb(a);
    fb(a);
    b.createDumb(32, 32);
    a.setCrtc(f.id);
    a.close();
    expect(frames.at(-1)?.reason).to.equal('off');
    expect(gem.offsets.size).to.equal(1); // b's buffer only
    expect(dev.openFiles).to.equal(1);
    expect(dev.config.idr.find(f.id, 0)).to.equal(undefined);
    expect(a.ioctl('DRM_IOCTL_VERSION', a.struct('drm_version'))).to.equal('EBADF');
  });

  it('SETCRTC may show another file’s fb; that file’s close turns the CRTC off', () => {
    const { a, b, dev } = setup();
    const f = fb(b);
    expect(a.setCrtc(f.id)).to.equal('OK');
    b.close();
    expect(dev.config.crtc.enabled).to.equal(false);
  });
});

describe('GETGAMMA / SETGAMMA', () => {
  it('no gamma table: GET with size 0 is OK, any other size EINVAL; SET is ENOSYS; unknown CRTC ENOENT', () => {
    const { a, b, dev } = setup();
    const lut = a.struct('drm_mode_crtc_lut').set32('crtc_id', dev.config.crtc.id);
    expect(a.ioctl('DRM_IOCTL_MODE_GETGAMMA', lut)).to.equal('OK');
    lut.set32('gamma_size', 256);
    expect(a.ioctl('DRM_IOCTL_MODE_GETGAMMA', lut)).to.equal('EINVAL');
    expect(a.ioctl('DRM_IOCTL_MODE_SETGAMMA', lut)).to.equal('ENOSYS');
    const blut = b.struct('drm_mode_crtc_lut').set32('crtc_id', dev.config.crtc.id);
    expect(b.ioctl('DRM_IOCTL_MODE_SETGAMMA', blut)).to.equal('EACCES');
    lut.set32('crtc_id', 999);
    expect(a.ioctl('DRM_IOCTL_MODE_GETGAMMA', lut)).to.equal('ENOENT');
    expect(a.ioctl('DRM_IOCTL_MODE_SETGAMMA', lut)).to.equal('ENOENT');
  });
});
