import type { SharedMemory } from '@fbemu/chrdev';
import {
  DrmFbdevFactory,
  type DrmFbHelper,
  type FbdevSetupOptions,
  type PixelFormat,
} from '@fbemu/drm-fb-helper';
import type { FbDeferredIoFactory } from '@fbemu/fbdev-defio';
import { check, kernelOffsetWindow } from '@fbemu/gem-shmem';
import type { SchedulerLike } from 'rxjs';
import type { DrmKmsDevice } from './drm-device.js';
import type { DrmFramebuffer } from './framebuffer.js';
import type { SharedMemoryLookup } from './shared-memory-pool.js';

/** The mode of the emulated /dev/fbN: `drm_fbdev_shmem` is shadow-less, with the DRM helpers' defaults. */
export type FbdevEmulationOptions = Omit<FbdevSetupOptions, 'shadow' | 'dirty'>;

/** What the probe needs besides the device: the device's defio factory, scheduler and memory lookup. */
export interface FbdevEmulationDeps {
  readonly defio: FbDeferredIoFactory;
  readonly scheduler: SchedulerLike;
  /** the pool the device's GEM backing stores come from (so a process can map the fbdev buffer) */
  readonly sharedMemory: SharedMemoryLookup;
}

/**
 * `drm_fbdev_shmem` on a `DrmKmsDevice`: the fbdev emulation as the device's in-kernel client.
 * Its buffer is a GEM-shmem dumb buffer of the device (the first one, so at the first fake
 * offset unless `gemOffset` says otherwise), attached with `attachFbdev` (a framebuffer on the
 * CRTC whenever no master drives it). The object has the shape of fbmem's `FbmemBackend`
 * (`helper`, `memory`, `format`, mode size, `drm`), so `fbmemBackendOf(e.helper, e.memory,
 * e.drm)` registers it as /dev/fbN: /dev/fbN's pages are the GEM object's pages.
 */
export class DrmFbdevEmulation {
  readonly helper: DrmFbHelper;
  /** the GEM object's process-mappable store (byte 0 = /dev/fbN offset 0) */
  readonly memory: SharedMemory;
  readonly format: PixelFormat;
  readonly modeWidth: number;
  readonly modeHeight: number;
  /** the fbdev's framebuffer on the device */
  readonly fb: DrmFramebuffer;
  /** what drm_fb_helper's fb_ops ask of the device (fbmem's `FbdevDrmDevice`) */
  readonly drm: { readonly masterHeld: boolean; restore(): void };

  constructor(
    private readonly device: DrmKmsDevice,
    deps: FbdevEmulationDeps,
    options: FbdevEmulationOptions,
  ) {
    check(typeof options === 'object' && options !== null, 'EINVAL', 'fbdev options missing');
    const { gem } = device;
    const gemOffset = options.gemOffset ?? kernelOffsetWindow(gem.geometry).startPage * gem.geometry.size;
    const helper = new DrmFbdevFactory(gem, deps.defio, deps.scheduler).create({ ...options, gemOffset });
    try {
      const object = gem.objectAt(gemOffset);
      check(object !== undefined, 'EINVAL', 'fbdev buffer not mounted');
      this.fb = device.attachFbdev(helper, object);
      this.memory = deps.sharedMemory.lookup(object.memory);
    } catch (e) {
      helper.destroy();
      throw e;
    }
    this.helper = helper;
    this.format = helper.bo.format;
    this.modeWidth = helper.info.var.xres;
    this.modeHeight = helper.info.var.yres;
    this.drm = {
      get masterHeld() {
        return device.masterHeld;
      },
      restore: () => device.restoreFbdev(),
    };
  }

  /** Detaches the fbdev client from the device (the CRTC goes off if it shows it); the helper is its owner's (/dev/fbN's). */
  detach(): void {
    this.device.detachFbdev();
  }
}
