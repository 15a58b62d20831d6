import { check, KernelError } from '@fbemu/gem-shmem';
import type { IoctlContext } from './ioctl-context.js';
import { copyToUser } from './kdata.js';
import {
  DRM_CAP_ADDFB2_MODIFIERS,
  DRM_CAP_ASYNC_PAGE_FLIP,
  DRM_CAP_ATOMIC_ASYNC_PAGE_FLIP,
  DRM_CAP_CRTC_IN_VBLANK_EVENT,
  DRM_CAP_CURSOR_HEIGHT,
  DRM_CAP_CURSOR_WIDTH,
  DRM_CAP_DUMB_BUFFER,
  DRM_CAP_DUMB_PREFER_SHADOW,
  DRM_CAP_DUMB_PREFERRED_DEPTH,
  DRM_CAP_PAGE_FLIP_TARGET,
  DRM_CAP_PRIME,
  DRM_CAP_SYNCOBJ,
  DRM_CAP_SYNCOBJ_TIMELINE,
  DRM_CAP_TIMESTAMP_MONOTONIC,
  DRM_CAP_VBLANK_HIGH_CRTC,
  DRM_CLIENT_CAP_ASPECT_RATIO,
  DRM_CLIENT_CAP_ATOMIC,
  DRM_CLIENT_CAP_CURSOR_PLANE_HOTSPOT,
  DRM_CLIENT_CAP_STEREO_3D,
  DRM_CLIENT_CAP_UNIVERSAL_PLANES,
  DRM_CLIENT_CAP_WRITEBACK_CONNECTORS,
  STRUCTS,
} from './uapi.js';

const V = STRUCTS.drm_version.fields;

/** `drm_copy_field`: copies min(len, buffer) bytes (none without a buffer) and stores the full length. */
function copyField(c: IoctlContext, ptrOff: number, lenOff: number, value: string): void {
  const bytes = new TextEncoder().encode(value);
  const room = c.k.u64(lenOff);
  const n = BigInt(bytes.length) < room ? bytes.length : Number(room);
  c.k.setU64(lenOff, bytes.length);
  const buf = c.k.ptr(ptrOff);
  if (n > 0 && buf !== 0) copyToUser(c.mem, buf, bytes.subarray(0, n));
}

/** DRM_IOCTL_VERSION (`drm_version`): the two-call pattern on name, date ("0") and desc. */
export function version(c: IoctlContext): void {
  const { driver } = c.dev;
  c.k.setU32(V.version_major, driver.major);
  c.k.setU32(V.version_minor, driver.minor);
  c.k.setU32(V.version_patchlevel, driver.patchlevel);
  copyField(c, V.name, V.name_len, driver.name);
  copyField(c, V.date, V.date_len, '0');
  copyField(c, V.desc, V.desc_len, driver.desc);
}

const CAP = STRUCTS.drm_get_cap.fields;

/** DRM_IOCTL_GET_CAP (`drm_getcap`): value zeroed first; unknown capability → EINVAL. */
export function getCap(c: IoctlContext): void {
  const cap = c.k.u64(CAP.capability);
  c.k.setU64(CAP.value, 0);
  const value = capValue(c, cap);
  if (value === undefined) throw new KernelError('EINVAL', `unknown capability ${cap}`);
  c.k.setU64(CAP.value, value);
}

function capValue(c: IoctlContext, cap: bigint): number | undefined {
  const { caps } = c.dev;
  switch (Number(cap > 0xffn ? 0xffn : cap)) {
    case DRM_CAP_TIMESTAMP_MONOTONIC:
      return 1;
    case DRM_CAP_PRIME:
    case DRM_CAP_SYNCOBJ:
    case DRM_CAP_SYNCOBJ_TIMELINE:
      return 0;
    case DRM_CAP_DUMB_BUFFER:
    case DRM_CAP_VBLANK_HIGH_CRTC:
    case DRM_CAP_CRTC_IN_VBLANK_EVENT:
      return 1;
    case DRM_CAP_DUMB_PREFERRED_DEPTH:
      return caps.preferredDepth;
    case DRM_CAP_DUMB_PREFER_SHADOW:
      return caps.preferShadow;
    case DRM_CAP_ASYNC_PAGE_FLIP:
    case DRM_CAP_PAGE_FLIP_TARGET:
    case DRM_CAP_ADDFB2_MODIFIERS:
    case DRM_CAP_ATOMIC_ASYNC_PAGE_FLIP:
      return 0;
    case DRM_CAP_CURSOR_WIDTH:
    case DRM_CAP_CURSOR_HEIGHT:
      return 64;
    default:
      return undefined;
  }
}

const CC = STRUCTS.drm_set_client_cap.fields;

/**
 * DRM_IOCTL_SET_CLIENT_CAP (`drm_setclientcap`) of a driver without DRIVER_ATOMIC: ATOMIC and
 * CURSOR_PLANE_HOTSPOT are EOPNOTSUPP, WRITEBACK_CONNECTORS is EINVAL (needs atomic), the others
 * take 0 or 1; unknown → EINVAL.
 */
export function setClientCap(c: IoctlContext): void {
  const cap = c.k.u64(CC.capability);
  const value = c.k.u64(CC.value);
  const { file } = c;
  const bool = (): boolean => {
    check(value <= 1n, 'EINVAL', `client cap value ${value} > 1`);
    return value === 1n;
  };
  switch (Number(cap > 0xffn ? 0xffn : cap)) {
    case DRM_CLIENT_CAP_STEREO_3D:
      file.stereoAllowed = bool();
      return;
    case DRM_CLIENT_CAP_UNIVERSAL_PLANES:
      file.universalPlanes = bool();
      return;
    case DRM_CLIENT_CAP_ATOMIC:
    case DRM_CLIENT_CAP_CURSOR_PLANE_HOTSPOT:
      throw new KernelError('EOPNOTSUPP', 'the driver has no atomic modesetting');
    case DRM_CLIENT_CAP_ASPECT_RATIO:
      file.aspectRatioAllowed = bool();
      return;
    case DRM_CLIENT_CAP_WRITEBACK_CONNECTORS:
      throw new KernelError('EINVAL', 'writeback connectors need the atomic cap');
    default:
      throw new KernelError('EINVAL', `unknown client capability ${cap}`);
  }
}

/** DRM_IOCTL_SET_MASTER */
export function setMaster(c: IoctlContext): void {
  c.dev.setMaster(c.file);
}

/** DRM_IOCTL_DROP_MASTER */
export function dropMaster(c: IoctlContext): void {
  c.dev.dropMaster(c.file);
}

/** DRM_IOCTL_GEM_CLOSE (`drm_gem_handle_delete`): EINVAL for a handle this file does not hold. */
export function gemClose(c: IoctlContext): void {
  c.dev.gem.handleDelete(c.file.gem, c.k.u32(STRUCTS.drm_gem_close.fields.handle));
}

/** DRM_IOCTL_MODE_ATOMIC of a driver without DRIVER_ATOMIC. */
export function atomic(): void {
  throw new KernelError('EOPNOTSUPP', 'the driver has no atomic modesetting');
}
