import type { CharDevice, SharedMemoryAllocator } from '@fbemu/chrdev';
import {
  DrmFbdevEmulation,
  DrmKmsDevice,
  type FbdevEmulationOptions,
  SharedMemoryPool,
} from '@fbemu/drm-kms';
import { FbDeferredIo, type FbDeferredIoFactory } from '@fbemu/fbdev-defio';
import { GemDevice } from '@fbemu/gem-shmem';
import type { SchedulerLike } from 'rxjs';
import type { Compositor } from '../compose/compositor.js';
import { type DrmScanoutPlacement, DrmScanoutSource } from './drm-scanout.js';

/** What a DRM node for one program needs from the app. */
export interface DrmNodeEnv {
  readonly scheduler: SchedulerLike;
  readonly compositor: Compositor;
  /** the front door's memfd allocator (chrdev `SHARED_MEMORY_ALLOCATOR`): dumb buffers a process can map */
  readonly allocator?: SharedMemoryAllocator;
}

/** The output the program sees and where its picture goes on the desktop. */
export interface DrmNodeMode extends DrmScanoutPlacement {
  readonly width: number;
  readonly height: number;
  /** Hz of the connector's modes (default 60) */
  readonly refresh?: number;
  /** the node's path (default /dev/dri/card0) */
  readonly path?: string;
  /** CAP_SYS_ADMIN for SET/DROP_MASTER (default true: the program is the machine's only master) */
  readonly privileged?: boolean;
}

/** A program's /dev/dri/cardN and the plane that shows its CRTC. */
export interface DrmNode {
  readonly card: DrmKmsDevice;
  readonly source: DrmScanoutSource;
  /** register these with the front door's `ChrdevRegistry` next to the program's /dev/fb0 */
  readonly devices: readonly CharDevice[];
  /** the node's GEM device (its own, as each DRM device has one) */
  readonly gem: GemDevice;
  /** the device's fbdev emulation (`drm_fbdev_shmem`), when asked for: register it as /dev/fb0 */
  readonly fbdev?: DrmFbdevEmulation;
  /** stops following the CRTC (a waiting flip completes) and detaches the fbdev; the program's files close on their own */
  close(): void;
}

/**
 * Builds a DRM device for one spawned program: its own GEM device whose backing stores come from
 * the front door's memfd allocator (the program maps the bytes the compositor reads), a
 * `DrmKmsDevice` at `mode.path`, and a `DrmScanoutSource` for its CRTC (add `source.plane` to the
 * compositor and route `source.damage$`, as the Scene does for every client). With `fbdev` the
 * device also gets its fbdev emulation (its first GEM buffer, shown while no master drives the CRTC).
 */
export function createDrmNode(env: DrmNodeEnv, mode: DrmNodeMode, fbdev?: FbdevEmulationOptions): DrmNode {
  const pool = new SharedMemoryPool(env.allocator);
  const gem = new GemDevice({ allocateBacking: pool.allocate });
  const defio: FbDeferredIoFactory = (info, config) => new FbDeferredIo(info, config ?? {}, env.scheduler);
  const card = new DrmKmsDevice(gem, env.scheduler, defio, pool, {
    width: mode.width,
    height: mode.height,
    refresh: mode.refresh,
    path: mode.path,
    privileged: mode.privileged ?? true,
  });
  const emulation =
    fbdev && new DrmFbdevEmulation(card, { defio, scheduler: env.scheduler, sharedMemory: pool }, fbdev);
  const source = new DrmScanoutSource(card, env.compositor, env.scheduler, mode);
  const close = () => {
    source.close();
    emulation?.detach();
  };
  return { card, source, devices: [card], gem, fbdev: emulation, close };
}
