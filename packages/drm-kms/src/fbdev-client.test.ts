import { DrmFbdevFactory, XRGB8888 } from '@fbemu/drm-fb-helper';
import { FbDeferredIo, type FbDeferredIoFactory } from '@fbemu/fbdev-defio';
import { GemDevice } from '@fbemu/gem-shmem';
import { expect } from 'chai';
import { VirtualTimeScheduler } from 'rxjs';
import { DrmKmsDevice } from './drm-device.js';
import type { ScanoutFrame } from './scanout.js';
import { SharedMemoryPool } from './shared-memory-pool.js';
import { Client } from './test-support.js';

const FBDEV_OFFSET = 2 ** 33;

function setup() {
  const scheduler = new VirtualTimeScheduler();
  const pool = new SharedMemoryPool();
  const gem = new GemDevice({ allocateBacking: pool.allocate });
  const defio: FbDeferredIoFactory = (info, config) => new FbDeferredIo(info, config ?? {}, scheduler);
  const dev = new DrmKmsDevice(gem, scheduler, defio, pool, { width: 640, height: 480 });
  const frames: ScanoutFrame[] = [];
  dev.scanout$.subscribe((f) => frames.push(f));
  const helper = new DrmFbdevFactory(gem, defio, scheduler).create({
    width: 640,
    height: 480,
    virtualHeight: 960,
    gemOffset: FBDEV_OFFSET,
  });
  const object = gem.objectAt(FBDEV_OFFSET);
  if (!object) throw new Error('fbdev buffer not mounted');
  return { dev, gem, helper, object, frames, scheduler };
}

describe('fbdev emulation on the same device (drm_fbdev_shmem as a DRM client)', () => {
  it('is shown at attach when the CRTC is off: GETCRTC reports its fb and mode', () => {
    const { dev, helper, object, frames } = setup();
    const fb = dev.attachFbdev(helper, object);
    expect(frames.at(-1)?.buffer?.fbId).to.equal(fb.id);
    expect(frames.at(-1)?.buffer?.surface.bytes.buffer).to.equal(helper.bo.bytes.buffer);
    const c = new Client(dev, 1);
    const g = c.struct('drm_mode_crtc').set32('crtc_id', dev.config.crtc.id);
    expect(c.ioctl('DRM_IOCTL_MODE_GETCRTC', g)).to.equal('OK');
    expect([g.u32('fb_id'), g.u32('mode_valid')]).to.deep.equal([fb.id, 1]);
    const r = c.struct('drm_mode_card_res');
    c.ioctl('DRM_IOCTL_MODE_GETRESOURCES', r);
    expect(r.u32('count_fbs')).to.equal(0); // the client's fb is no file's
    expect(() => dev.attachFbdev(helper, object)).to.throw('EBUSY');
  });

  it('fbdev drawing is scanout damage while shown; panning moves the viewport', () => {
    const { dev, helper, object, frames, scheduler } = setup();
    dev.attachFbdev(helper, object);
    helper.fillrect({ dx: 10, dy: 20, width: 30, height: 5, color: XRGB8888.pack(0xffff0000) });
    scheduler.flush();
    expect(frames.at(-1)?.reason).to.equal('fbdev');
    expect(frames.at(-1)?.damage.map(String)).to.deep.equal(['(10,20,40,25)']);
    helper.pan(0, 480);
    scheduler.flush();
    expect(frames.at(-1)?.reason).to.equal('modeset');
    expect(frames.at(-1)?.buffer?.viewport.toString()).to.equal('(0,480,640,960)');
  });

  it('a DRM master takes the CRTC over; fbdev damage then shows nothing; last close restores the fbdev', () => {
    const { dev, helper, object, frames, scheduler } = setup();
    const fbdevFb = dev.attachFbdev(helper, object);
    const a = new Client(dev, 1);
    const b = new Client(dev, 2);
    const { handle, pitch } = a.createDumb(640, 480);
    const fb = a.addFb2(handle, 640, 480, pitch, XRGB8888.code);
    expect(a.setCrtc(fb)).to.equal('OK');
    const n = frames.length;
    helper.fillrect({ dx: 0, dy: 0, width: 8, height: 8, color: 0 });
    scheduler.flush();
    expect(frames).to.have.length(n);
    a.close(); // its fb goes: the CRTC is off, b is still open
    expect(frames.at(-1)?.reason).to.equal('off');
    b.close(); // last close: the fbdev comes back
    expect(frames.at(-1)?.reason).to.equal('modeset');
    expect(frames.at(-1)?.buffer?.fbId).to.equal(fbdevFb.id);
  });

  it('detach turns the CRTC off and frees the framebuffer; a wrong object is EINVAL', () => {
    const { dev, gem, helper, object, frames } = setup();
    const other = new Client(dev, 1);
    const { handle } = other.createDumb(640, 480);
    const wrong = gem.lookup((other.chr.privateData as { gem: never }).gem, handle);
    expect(() => dev.attachFbdev(helper, wrong)).to.throw('EINVAL');
    const fb = dev.attachFbdev(helper, object);
    const refs = object.refs;
    dev.detachFbdev();
    expect(frames.at(-1)?.reason).to.equal('off');
    expect(dev.config.idr.find(fb.id, 0)).to.equal(undefined);
    expect(object.refs).to.equal(refs - 1);
  });
});
