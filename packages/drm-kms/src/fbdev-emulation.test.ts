import { FakeUserMemory } from '@fbemu/chrdev/test-support';
import { XRGB8888 } from '@fbemu/drm-fb-helper';
import { FbDeferredIo, type FbDeferredIoFactory } from '@fbemu/fbdev-defio';
import {
  encodeCmap,
  encodeVar,
  FBIO_WAITFORVSYNC,
  FBIOPAN_DISPLAY,
  FBIOPUT_VSCREENINFO,
  FBIOPUTCMAP,
  FbmemFactory,
  FbRegistry,
  fbmemBackendOf,
} from '@fbemu/fbmem';
import { GemDevice, KernelError } from '@fbemu/gem-shmem';
import { expect } from 'chai';
import { VirtualTimeScheduler } from 'rxjs';
import { DrmKmsDevice } from './drm-device.js';
import { DrmFbdevEmulation } from './fbdev-emulation.js';
import type { ScanoutFrame } from './scanout.js';
import { SharedMemoryPool } from './shared-memory-pool.js';
import { Client, FakeChrdevFile, FakeProcessMapping, vma } from './test-support.js';

const W = 640;
const H = 480;
const PITCH = W * 4;

/** One DRM device whose fbdev emulation is registered as /dev/fb0 (drm_fbdev_shmem), fb0 opened and mapped. */
function sharedDevice() {
  const scheduler = new VirtualTimeScheduler();
  const pool = new SharedMemoryPool();
  const gem = new GemDevice({ allocateBacking: pool.allocate });
  const defio: FbDeferredIoFactory = (info, config) => new FbDeferredIo(info, config ?? {}, scheduler);
  const card = new DrmKmsDevice(gem, scheduler, defio, pool, { width: W, height: H });
  const frames: ScanoutFrame[] = [];
  card.scanout$.subscribe((f) => frames.push(f));
  const emulation = new DrmFbdevEmulation(
    card,
    { defio, scheduler, sharedMemory: pool },
    { width: W, height: H, virtualHeight: 2 * H },
  );
  const fbmem = new FbmemFactory(undefined, defio, scheduler, new FbRegistry());
  const fb0 = fbmem.register(fbmemBackendOf(emulation.helper, emulation.memory, emulation.drm));
  const file = new FakeChrdevFile({ pid: 50, comm: 'fbprog' });
  fb0.chrdev.fops.open?.(file);
  const target = fb0.chrdev.fops.mmap?.(file, vma(0, PITCH * 2 * H)); // the whole virtual screen
  const mapping = new FakeProcessMapping(vma(0, PITCH * 2 * H));
  target?.attach?.(mapping);
  const pixels = new Uint32Array(fb0.device.memory.buffer);
  const mem = new FakeUserMemory();
  /** the fbdev program stores `color` at (x, y) through its mapping */
  const store = (x: number, y: number, color: number) => {
    pixels[(y * PITCH + x * 4) / 4] = color;
    mapping.store(Math.floor((y * PITCH + x * 4) / 4096));
  };
  const fbIoctl = (cmd: number, arg: number): string => {
    try {
      fb0.chrdev.fops.ioctl?.(file, cmd, arg, mem);
      return 'OK';
    } catch (e) {
      if (e instanceof KernelError) return e.code;
      throw e;
    }
  };
  const pan = (yoffset: number) => {
    const v = fb0.device.var;
    v.yoffset = yoffset;
    return fbIoctl(FBIOPAN_DISPLAY, mem.put(encodeVar(v)));
  };
  return { scheduler, card, gem, emulation, fb0, frames, store, fbIoctl, pan, mem };
}

/** The pixel the CRTC shows at (x, y) of the screen in `frame`. */
function shown(frame: ScanoutFrame | undefined, x: number, y: number): number {
  const screen = frame?.buffer?.screen;
  if (!screen) throw new Error('nothing shown');
  return new DataView(screen.bytes.buffer, screen.bytes.byteOffset).getUint32(y * screen.pitch + x * 4, true);
}

describe('/dev/fb0 as the fbdev emulation of /dev/dri/card0 (drm_fbdev_shmem, one device)', () => {
  it("fb0's pages are the GEM object's pages, and that framebuffer is on the CRTC from the start", () => {
    const { card, gem, emulation, fb0, frames } = sharedDevice();
    const object = gem.objectAt(gem.offsetOf(emulation.fb.object));
    expect(fb0.device.memory.buffer).to.equal(object?.memory);
    expect(card.scanout.fb).to.equal(emulation.fb);
    expect(frames.at(-1)?.buffer?.surface.bytes.buffer).to.equal(fb0.device.memory.buffer);
    // the first dumb buffer of the device: the first fake offset, as drm_client_framebuffer_create's
    expect(gem.offsetOf(emulation.fb.object)).to.equal(2 ** 32);
  });

  it('a store through the fb0 mapping becomes fbdev scanout damage after the defio delay and shows on the CRTC', () => {
    const { scheduler, frames, store } = sharedDevice();
    const n = frames.length;
    store(10, 100, 0x00ff8040);
    scheduler.flush();
    expect(frames.length).to.equal(n + 1);
    const f = frames.at(-1);
    expect(f?.reason).to.equal('fbdev');
    expect(f?.damage.some((r) => r.x1 <= 10 && r.x2 > 10 && r.y1 <= 100 && r.y2 > 100)).to.equal(true);
    expect(shown(f, 10, 100)).to.equal(0x00ff8040);
  });

  it("a KMS master's SETCRTC takes the CRTC; fb0 output shows nothing; pan, setcmap and WAITFORVSYNC are EBUSY", () => {
    const { scheduler, card, fb0, frames, store, fbIoctl, pan, mem } = sharedDevice();
    const kms = new Client(card, 2);
    const { handle, pitch } = kms.createDumb(W, H);
    const fb = kms.addFb2(handle, W, H, pitch, XRGB8888.code);
    expect(kms.setCrtc(fb)).to.equal('OK');
    expect(frames.at(-1)?.buffer?.fbId).to.equal(fb);
    const n = frames.length;
    store(0, 0, 0x123456);
    scheduler.flush();
    expect(frames).to.have.length(n); // the fbdev draws into its buffer, nothing is shown
    const before = fb0.device.var;
    expect(pan(H)).to.equal('EBUSY');
    expect(fb0.device.var).to.deep.equal(before);
    const red = mem.put(new Uint8Array([0xff, 0xff]));
    const cmap = mem.put(encodeCmap({ start: 0, len: 1, red, green: red, blue: red, transp: 0 }));
    const palette = fb0.device.cmap.pseudoPalette.slice();
    expect(fbIoctl(FBIOPUTCMAP, cmap)).to.equal('EBUSY');
    expect(fb0.device.cmap.pseudoPalette).to.deep.equal(palette);
    expect(fbIoctl(FBIO_WAITFORVSYNC, 0)).to.equal('EBUSY');
    // set_par does not steal the display from the master either
    const v = fb0.device.var;
    expect(fbIoctl(FBIOPUT_VSCREENINFO, mem.put(encodeVar({ ...v, activate: 0x80 })))).to.equal('OK'); // FORCE
    expect(card.scanout.fb?.id).to.equal(fb);
    expect(frames).to.have.length(n);
  });

  it("the master's close (the last DRM file) restores the fbdev framebuffer with what fb0 drew meanwhile", () => {
    const { scheduler, card, emulation, frames, store, pan } = sharedDevice();
    const kms = new Client(card, 2);
    const { handle, pitch } = kms.createDumb(W, H);
    expect(kms.setCrtc(kms.addFb2(handle, W, H, pitch, XRGB8888.code))).to.equal('OK');
    store(20, 30, 0x00abcdef);
    scheduler.flush();
    kms.close();
    const f = frames.at(-1);
    expect([f?.reason, f?.buffer?.fbId]).to.deep.equal(['modeset', emulation.fb.id]);
    expect(f?.damage.map(String)).to.deep.equal([`(0,0,${W},${H})`]);
    expect(shown(f, 20, 30)).to.equal(0x00abcdef);
    expect(pan(H)).to.equal('OK'); // no master: the fbdev's ioctls work again
    expect(frames.at(-1)?.buffer?.viewport.toString()).to.equal(`(0,${H},${W},${2 * H})`);
  });

  it('while another DRM file stays open, dropping master leaves the CRTC to it until fb0 pans or sets its mode', () => {
    const { card, emulation, frames, pan } = sharedDevice();
    const kms = new Client(card, 2);
    const other = new Client(card, 3);
    const { handle, pitch } = kms.createDumb(W, H);
    const fb = kms.addFb2(handle, W, H, pitch, XRGB8888.code);
    expect(kms.setCrtc(fb)).to.equal('OK');
    expect(kms.ioctl('DRM_IOCTL_DROP_MASTER', 0)).to.equal('OK');
    expect(card.scanout.fb?.id).to.equal(fb); // no restore on master drop, only at lastclose
    expect(pan(0)).to.equal('OK'); // drm_fb_helper_pan_display commits the fbdev mode: shown again
    expect(frames.at(-1)?.buffer?.fbId).to.equal(emulation.fb.id);
    other.close();
    kms.close();
  });

  it("a master showing the fbdev fb at its own offset keeps it there: fb0's stores are damage, not a modeset", () => {
    const { scheduler, card, emulation, frames, store } = sharedDevice();
    const kms = new Client(card, 2);
    expect(kms.setCrtc(emulation.fb.id, 0, H)).to.equal('OK'); // the second page of fb0's virtual screen
    const n = frames.length;
    store(3, H + 7, 0x00445566); // visible: inside the master's viewport
    store(3, 7, 0x00778899); // fb0's own viewport (0, 0): not shown
    scheduler.flush();
    expect([card.config.crtc.x, card.config.crtc.y]).to.deep.equal([0, H]);
    expect(frames.slice(n).map((f) => f.reason)).to.deep.equal(['fbdev']);
    const f = frames.at(-1);
    expect(f?.buffer?.viewport.toString()).to.equal(`(0,${H},${W},${2 * H})`);
    expect(f?.damage.some((r) => r.x1 <= 3 && r.x2 > 3 && r.y1 <= 7 && r.y2 > 7)).to.equal(true);
    expect(shown(f, 3, 7)).to.equal(0x00445566);
    // no longer master but still open: the CRTC stays where the program put it
    expect(kms.ioctl('DRM_IOCTL_DROP_MASTER', 0)).to.equal('OK');
    store(5, H + 100, 0x00112233);
    store(5, 100, 0x00112233); // drm-fb-helper reports only damage that fb0's own viewport sees
    scheduler.flush();
    expect([card.config.crtc.x, card.config.crtc.y]).to.deep.equal([0, H]);
    expect(frames.at(-1)?.reason).to.equal('fbdev');
    kms.close();
  });

  it('while a master shows the fbdev fb where fb0 put it, FBIOPUT_VSCREENINFO panning fb0 does not move the CRTC', () => {
    const { scheduler, card, emulation, fb0, fbIoctl, mem } = sharedDevice();
    const kms = new Client(card, 2);
    expect(kms.setCrtc(emulation.fb.id, 0, 0)).to.equal('OK');
    const v = fb0.device.var;
    expect(fbIoctl(FBIOPUT_VSCREENINFO, mem.put(encodeVar({ ...v, yoffset: H })))).to.equal('OK');
    scheduler.flush();
    expect([card.scanout.fb, card.config.crtc.y]).to.deep.equal([emulation.fb, 0]);
    kms.close();
  });

  it('detach turns the CRTC off; a backend over memory that is not the fbdev buffer is EINVAL', () => {
    const { emulation, frames, card } = sharedDevice();
    expect(() => fbmemBackendOf(emulation.helper, { buffer: new SharedArrayBuffer(4096), fd: -1 })).to.throw(
      'EINVAL',
    );
    emulation.detach();
    expect(frames.at(-1)?.reason).to.equal('off');
    expect(card.scanout.fb).to.equal(undefined);
  });

  it('a virtual screen larger than the largest framebuffer is EINVAL (the probe fails) and leaves no buffer', () => {
    const scheduler = new VirtualTimeScheduler();
    const pool = new SharedMemoryPool();
    const gem = new GemDevice({ allocateBacking: pool.allocate });
    const defio: FbDeferredIoFactory = (info, config) => new FbDeferredIo(info, config ?? {}, scheduler);
    const card = new DrmKmsDevice(gem, scheduler, defio, pool, { width: W, height: H, maxHeight: 2 * H });
    const deps = { defio, scheduler, sharedMemory: pool };
    const probe = (virtualHeight: number) => () =>
      new DrmFbdevEmulation(card, deps, { width: W, height: H, virtualHeight });
    expect(probe(2 * H + 1)).to.throw(KernelError, 'larger than the device');
    expect(gem.objectAt(2 ** 32)).to.equal(undefined);
    expect(card.scanout.fb).to.equal(undefined);
    expect(probe(2 * H)().fb.height).to.equal(2 * H);
  });

  it('bad input: a second emulation is EBUSY, bad modes EINVAL, and the first one stays shown', () => {
    const { card, gem, emulation } = sharedDevice();
    const deps = {
      defio: () => emulation.helper.defio,
      scheduler: new VirtualTimeScheduler(),
      sharedMemory: new SharedMemoryPool(),
    };
    const code = (body: () => unknown) => {
      try {
        body();
      } catch (e) {
        if (e instanceof KernelError) return e.code;
        throw e;
      }
      return 'OK';
    };
    expect(code(() => new DrmFbdevEmulation(card, deps, { width: W, height: H }))).to.equal('EBUSY');
    expect(
      code(() => new DrmFbdevEmulation(card, deps, { width: W, height: H, gemOffset: 2 ** 34 })),
    ).to.equal('EBUSY');
    expect(gem.objectAt(2 ** 34)).to.equal(undefined); // the refused probe left no buffer behind
    for (const bad of [{ width: 0, height: H }, { width: W, height: H, bpp: 12 }, null])
      expect(
        code(() => new DrmFbdevEmulation(card, deps, bad as never)),
        JSON.stringify(bad),
      ).to.equal('EINVAL');
    expect(card.scanout.fb).to.equal(emulation.fb);
  });
});
