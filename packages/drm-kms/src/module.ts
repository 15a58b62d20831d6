import { SHARED_MEMORY_ALLOCATOR, type SharedMemoryAllocator } from '@fbemu/chrdev';
import { FB_DEFERRED_IO_FACTORY, type FbDeferredIoFactory, SCHEDULER } from '@fbemu/fbdev-defio';
import { GEM_DEVICE, type GemDevice } from '@fbemu/gem-shmem';
import { ContainerModule } from 'inversify';
import type { SchedulerLike } from 'rxjs';
import { DrmKmsDevice, type DrmKmsOptions } from './drm-device.js';
import { SharedMemoryPool } from './shared-memory-pool.js';
import { DRM_KMS_DEVICE, DRM_KMS_OPTIONS, DRM_SHARED_MEMORY_POOL } from './tokens.js';

/**
 * Binds the DRM device and the shared-memory pool. Needs `GEM_DEVICE` (gemShmemModule),
 * `FB_DEFERRED_IO_FACTORY` (fbdevDefioModule) and `SCHEDULER`; `DRM_KMS_OPTIONS` and chrdev's `SHARED_MEMORY_ALLOCATOR` are optional. For dumb buffers a
 * process can map, bind `GEM_DEVICE_OPTIONS` with `allocateBacking: pool.allocate`.
 */
export const drmKmsModule = new ContainerModule(({ bind }) => {
  bind(DRM_SHARED_MEMORY_POOL)
    .toDynamicValue(
      (ctx) =>
        new SharedMemoryPool(ctx.get<SharedMemoryAllocator>(SHARED_MEMORY_ALLOCATOR, { optional: true })),
    )
    .inSingletonScope();
  bind(DRM_KMS_DEVICE)
    .toDynamicValue(
      (ctx) =>
        new DrmKmsDevice(
          ctx.get<GemDevice>(GEM_DEVICE),
          ctx.get<SchedulerLike>(SCHEDULER),
          ctx.get<FbDeferredIoFactory>(FB_DEFERRED_IO_FACTORY),
          ctx.get<SharedMemoryPool>(DRM_SHARED_MEMORY_POOL),
          ctx.get<DrmKmsOptions>(DRM_KMS_OPTIONS, { optional: true }) ?? {},
        ),
    )
    .inSingletonScope();
});
