import type { UserMemory } from '@fbemu/chrdev';
import type { DrmKmsDevice } from './drm-device.js';
import type { KData } from './kdata.js';
import type { KmsFile } from './kms-file.js';

/** What an ioctl handler gets: the device, the calling file, its user memory, and `kdata`. */
export interface IoctlContext {
  readonly dev: DrmKmsDevice;
  readonly file: KmsFile;
  readonly mem: UserMemory;
  readonly k: KData;
}

/** A handler writes its results into `k` and throws a `KernelError` on failure. */
export type IoctlHandler = (c: IoctlContext) => void;

/** `struct drm_ioctl_desc`: the request number the kernel defines, permissions, handler. */
export interface IoctlDesc {
  readonly name: string;
  readonly cmd: number;
  /** DRM_MASTER: only the current master may call it (EACCES otherwise) */
  readonly master: boolean;
  readonly fn: IoctlHandler;
}
