import { check, KernelError } from '@fbemu/gem-shmem';
import type { DrmKmsDevice } from './drm-device.js';
import type { IoctlContext } from './ioctl-context.js';
import { copyFromUser } from './kdata.js';
import type { KmsFile } from './kms-file.js';
import { DrmBlob } from './mode-object.js';
import { DRM_MODE_OBJECT_BLOB, STRUCTS } from './uapi.js';

/**
 * The most bytes the files' blobs of one device may hold together. The kernel refuses only
 * lengths near INT_MAX (EINVAL) and otherwise fails when kvzalloc does (ENOMEM); fbemu answers
 * ENOMEM past a bound far above any real use (a MODE_ID is 68 bytes, a 4096-entry gamma LUT
 * 32 KiB), so neither one untrusted length nor a loop of CREATEPROPBLOBs grows the compositor's
 * heap by gigabytes.
 */
export const MAX_USER_BLOB = 1 << 24;

const C = STRUCTS.drm_mode_create_blob.fields;

/**
 * DRM_IOCTL_MODE_CREATEPROPBLOB (`drm_mode_createblob_ioctl`): a blob of the user's bytes owned
 * by the calling file; length 0 is EINVAL, an unreadable source EFAULT (nothing created).
 */
export function createPropBlob(c: IoctlContext): void {
  const length = c.k.u32(C.length);
  check(length > 0, 'EINVAL', 'a blob needs a length');
  const { config } = c.dev;
  if (length > MAX_USER_BLOB - config.userBlobBytes)
    throw new KernelError('ENOMEM', `a blob of ${length} bytes (${config.userBlobBytes} held)`);
  const data = copyFromUser(c.mem, c.k.ptr(C.data), length).slice();
  const blob = config.idr.add(new DrmBlob(data));
  config.userBlobBytes += length;
  c.file.blobs.push(blob);
  c.k.setU32(C.blob_id, blob.id);
}

const D = STRUCTS.drm_mode_destroy_blob.fields;

/**
 * DRM_IOCTL_MODE_DESTROYPROPBLOB (`drm_mode_destroyblob_ioctl`): ENOENT for an id that is no
 * blob, EPERM for a blob this file did not create (another file's, or the kernel's EDID).
 */
export function destroyPropBlob(c: IoctlContext): void {
  const id = c.k.u32(D.blob_id);
  const blob = c.dev.config.idr.find(id, DRM_MODE_OBJECT_BLOB);
  check(blob instanceof DrmBlob, 'ENOENT', `no blob ${id}`);
  const i = c.file.blobs.indexOf(blob);
  check(i >= 0, 'EPERM', `blob ${id} was not created by this file`);
  c.file.blobs.splice(i, 1);
  removeUserBlob(c.dev, blob);
}

/** `drm_property_destroy_user_blobs`: a closing file's blobs go with it. */
export function destroyUserBlobs(dev: DrmKmsDevice, file: KmsFile): void {
  for (const blob of file.blobs.splice(0)) removeUserBlob(dev, blob);
}

function removeUserBlob(dev: DrmKmsDevice, blob: DrmBlob): void {
  dev.config.idr.remove(blob);
  dev.config.userBlobBytes -= blob.data.length;
}
