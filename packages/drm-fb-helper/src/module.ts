import { ContainerModule } from 'inversify';
import { DrmFbdevFactory } from './fbdev-factory.js';
import { DRM_FBDEV_FACTORY, type DrmFbdevFactoryApi } from './tokens.js';

/**
 * Binds the fbdev-emulation factory. It needs `GEM_DEVICE` (gemShmemModule),
 * `FB_DEFERRED_IO_FACTORY` (fbdevDefioModule) and `SCHEDULER` (the composition root).
 */
export const drmFbHelperModule = new ContainerModule(({ bind }) => {
  bind<DrmFbdevFactoryApi>(DRM_FBDEV_FACTORY).to(DrmFbdevFactory).inSingletonScope();
});
