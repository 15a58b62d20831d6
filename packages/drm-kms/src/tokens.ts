import type { DrmKmsDevice, DrmKmsOptions } from './drm-device.js';
import type { SharedMemoryPool } from './shared-memory-pool.js';

/** The DRM device (`DrmKmsDevice`, a `CharDevice` for /dev/dri/card0). */
export const DRM_KMS_DEVICE: unique symbol = Symbol.for('fbemu.DrmKmsDevice');
/** Optional `DrmKmsOptions` (output size, path, privileges, delays). */
export const DRM_KMS_OPTIONS: unique symbol = Symbol.for('fbemu.DrmKmsOptions');
/** The pool of process-mappable GEM backing stores (its `allocate` is the GEM device's `allocateBacking`). */
export const DRM_SHARED_MEMORY_POOL: unique symbol = Symbol.for('fbemu.DrmSharedMemoryPool');

export type { DrmKmsDevice, DrmKmsOptions, SharedMemoryPool };
