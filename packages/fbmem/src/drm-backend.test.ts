import { FakeUserMemory } from '@fbemu/chrdev/test-support';
import { DrmFbdevFactory } from '@fbemu/drm-fb-helper';
import { FbDeferredIo, type FbDeferredIoFactory } from '@fbemu/fbdev-defio';
import { GemDevice } from '@fbemu/gem-shmem';
import { expect } from 'chai';
import { VirtualTimeScheduler } from 'rxjs';
import { FbmemFactory } from './factory.js';
import { type FbdevDrmDevice, fbmemBackendOf } from './framebuffer.js';
import { FbRegistry } from './registry.js';
import { errnoOf, openFile } from './test-support.js';
import { encodeVar, FBIO_WAITFORVSYNC, FBIOPAN_DISPLAY, FBIOPUT_VSCREENINFO } from './uapi.js';

/** An fbdev emulation over a GEM object (drm-fb-helper's probe) registered as /dev/fb0 of a fake DRM device. */
function setup(shadow = false) {
  const scheduler = new VirtualTimeScheduler();
  const gem = new GemDevice();
  const defio: FbDeferredIoFactory = (info, config) => new FbDeferredIo(info, config ?? {}, scheduler);
  const helper = new DrmFbdevFactory(gem, defio, scheduler).create({
    width: 64,
    height: 48,
    virtualHeight: 96,
    shadow,
  });
  const drm: FbdevDrmDevice & { masterHeld: boolean; restores: number } = {
    masterHeld: false,
    restores: 0,
    restore: () => {
      drm.restores++;
    },
  };
  const memory = { buffer: helper.bo.bytes.buffer as SharedArrayBuffer, fd: -1 };
  return { helper, drm, memory, factory: new FbmemFactory(undefined, defio, scheduler, new FbRegistry()) };
}

describe('/dev/fbN over a DRM device’s fbdev emulation (fbmemBackendOf + FbmemFactory.register)', () => {
  it('answers the emulation’s mode and maps its GEM buffer', () => {
    const { helper, drm, memory, factory } = setup();
    const { device, chrdev } = factory.register(fbmemBackendOf(helper, memory, drm), { id: 'fbemudrmfb' });
    expect([device.var.xres, device.var.yres, device.var.yresVirtual]).to.deep.equal([64, 48, 96]);
    expect(device.fix.smemLen).to.equal(64 * 4 * 96);
    const target = chrdev.fops.mmap?.(openFile(chrdev), { pgoff: 0, length: 4096, prot: 3, flags: 1 });
    expect(target?.memory.buffer).to.equal(helper.bo.bytes.buffer);
  });

  it('set_par and pan commit the fbdev mode on the DRM device; with a master there, EBUSY and nothing changes', () => {
    const { helper, drm, memory, factory } = setup();
    const { device, chrdev } = factory.register(fbmemBackendOf(helper, memory, drm));
    const file = openFile(chrdev);
    const mem = new FakeUserMemory();
    const ioctl = (cmd: number, arg: number) => chrdev.fops.ioctl?.(file, cmd, arg, mem);
    const panned = { ...device.var, yoffset: 48 };
    ioctl(FBIOPAN_DISPLAY, mem.put(encodeVar(panned)));
    ioctl(FBIOPUT_VSCREENINFO, mem.put(encodeVar({ ...device.var, activate: 0x80 })));
    expect(drm.restores).to.equal(2);
    drm.masterHeld = true;
    const before = device.var;
    expect(errnoOf(() => ioctl(FBIOPAN_DISPLAY, mem.put(encodeVar({ ...panned, yoffset: 0 }))))).to.equal(
      'EBUSY',
    );
    expect(errnoOf(() => ioctl(FBIO_WAITFORVSYNC, 0))).to.equal('EBUSY');
    ioctl(FBIOPUT_VSCREENINFO, mem.put(encodeVar({ ...device.var, activate: 0x80 })));
    expect(device.var).to.deep.equal(before);
    expect(drm.restores).to.equal(2);
  });

  it('refuses a shadowed emulation and memory that is not its buffer (EINVAL)', () => {
    const shadowed = setup(true);
    expect(errnoOf(() => fbmemBackendOf(shadowed.helper, shadowed.memory))).to.equal('EINVAL');
    const { helper } = setup();
    expect(
      errnoOf(() => fbmemBackendOf(helper, { buffer: new SharedArrayBuffer(4096 * 6), fd: -1 })),
    ).to.equal('EINVAL');
  });
});
