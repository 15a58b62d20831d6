import { fbdevDefioModule, SCHEDULER } from '@fbemu/fbdev-defio';
import { GEM_DEVICE, GEM_DEVICE_OPTIONS, type GemDevice, gemShmemModule } from '@fbemu/gem-shmem';
import { expect } from 'chai';
import { Container } from 'inversify';
import { VirtualTimeScheduler } from 'rxjs';
import type { DrmKmsDevice } from './drm-device.js';
import { drmKmsModule } from './module.js';
import type { SharedMemoryPool } from './shared-memory-pool.js';
import { Client } from './test-support.js';
import { DRM_KMS_DEVICE, DRM_KMS_OPTIONS, DRM_SHARED_MEMORY_POOL } from './tokens.js';

describe('drmKmsModule', () => {
  it('binds one device over the container’s GEM device, with dumb buffers from the shared-memory pool', () => {
    const container = new Container();
    container.bind(SCHEDULER).toConstantValue(new VirtualTimeScheduler());
    container
      .bind(DRM_KMS_OPTIONS)
      .toConstantValue({ width: 320, height: 200, path: '/dev/dri/card1', minor: 1 });
    container.bind(GEM_DEVICE_OPTIONS).toDynamicValue((ctx) => ({
      allocateBacking: ctx.get<SharedMemoryPool>(DRM_SHARED_MEMORY_POOL).allocate,
    }));
    container.load(gemShmemModule, fbdevDefioModule, drmKmsModule);
    const dev = container.get<DrmKmsDevice>(DRM_KMS_DEVICE);
    expect(container.get(DRM_KMS_DEVICE)).to.equal(dev);
    expect(dev.gem).to.equal(container.get<GemDevice>(GEM_DEVICE));
    expect([dev.path, dev.major, dev.minor]).to.deep.equal(['/dev/dri/card1', 226, 1]);
    expect(dev.config.connector.modes[0].name).to.equal('320x200');
    const c = new Client(dev, 1);
    const { handle } = c.createDumb(320, 200);
    expect(c.mapDumb(handle)).to.be.at.least(2 ** 32);
  });

  it('bad options are EINVAL', () => {
    for (const options of [
      { writebackDelay: 0 },
      { preferredDepth: 23 },
      { width: 0 },
      { maxDamageRects: 0 },
    ]) {
      const container = new Container();
      container.bind(SCHEDULER).toConstantValue(new VirtualTimeScheduler());
      container.bind(DRM_KMS_OPTIONS).toConstantValue(options);
      container.load(gemShmemModule, fbdevDefioModule, drmKmsModule);
      expect(() => container.get(DRM_KMS_DEVICE), JSON.stringify(options)).to.throw('EINVAL');
    }
  });
});
