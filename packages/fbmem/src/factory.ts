import { SHARED_MEMORY_ALLOCATOR, type SharedMemoryAllocator } from '@fbemu/chrdev';
import { FB_DEFERRED_IO_FACTORY, type FbDeferredIoFactory, SCHEDULER } from '@fbemu/fbdev-defio';
import { inject, injectable, optional } from 'inversify';
import type { SchedulerLike } from 'rxjs';
import { FbmemDevice } from './fb-device.js';
import { createFbmemBackend, type FbmemBackend, plainSharedMemory } from './framebuffer.js';
import { FbRegistry } from './registry.js';
import {
  FB_REGISTRY,
  type FbmemFactoryApi,
  type FbmemNode,
  type FbmemOptions,
  type FbmemRegisterOptions,
} from './tokens.js';

/**
 * Builds a framebuffer over allocator memory and registers it as the next /dev/fbN. Without a
 * bound `SHARED_MEMORY_ALLOCATOR` the memory is plain shared memory no process can map.
 */
@injectable()
export class FbmemFactory implements FbmemFactoryApi {
  constructor(
    @inject(SHARED_MEMORY_ALLOCATOR)
    @optional()
    private readonly allocate: SharedMemoryAllocator = plainSharedMemory,
    @inject(FB_DEFERRED_IO_FACTORY) private readonly defioFactory: FbDeferredIoFactory,
    @inject(SCHEDULER) private readonly scheduler: SchedulerLike,
    @inject(FB_REGISTRY) private readonly registry: FbRegistry,
  ) {}

  create(options: FbmemOptions): FbmemNode {
    return this.register(
      createFbmemBackend(options, this.allocate, this.defioFactory, this.scheduler),
      options,
    );
  }

  /**
   * Registers a framebuffer built elsewhere (a DRM device's fbdev emulation, `fbmemBackendOf`) as
   * the next /dev/fbN — `register_framebuffer` called by `drm_fbdev_shmem`. On failure the
   * backend's helper is destroyed.
   */
  register(backend: FbmemBackend, options: FbmemRegisterOptions = {}): FbmemNode {
    const device = new FbmemDevice(backend, options);
    try {
      return { device, chrdev: this.registry.register(device) };
    } catch (e) {
      device.destroy();
      throw e;
    }
  }
}
