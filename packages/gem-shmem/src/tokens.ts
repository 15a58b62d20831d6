import type { GemDeviceOptions } from './device.js';

/** The DRM device with GEM shmem objects (`GemDevice`). */
export const GEM_DEVICE: unique symbol = Symbol.for('fbemu.GemDevice');
/** Optional `GemDeviceOptions` for the bound device (page size, offset window). */
export const GEM_DEVICE_OPTIONS: unique symbol = Symbol.for('fbemu.GemDeviceOptions');

export type { GemDeviceOptions };
