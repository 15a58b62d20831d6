import type { FilePos, UserMemory } from '@fbemu/chrdev';
import { check, KernelError } from '@fbemu/gem-shmem';
import type { FbmemDevice } from './fb-device.js';

/** MAX_RW_COUNT: the VFS clamps one read/write to INT_MAX rounded down to a page */
export const MAX_RW_COUNT = 0x7ffff000;

export const SEEK_SET = 0;
export const SEEK_CUR = 1;
export const SEEK_END = 2;
export const SEEK_DATA = 3;
export const SEEK_HOLE = 4;

/** rw_verify_area: a negative or non-integer position or count is EINVAL; count is clamped. */
function verifyArea(pos: number, count: number): number {
  check(Number.isSafeInteger(pos) && pos >= 0, 'EINVAL', `file position ${pos}`);
  check(Number.isSafeInteger(count) && count >= 0, 'EINVAL', `count ${count}`);
  return Math.min(count, MAX_RW_COUNT);
}

/**
 * `fb_sys_read` (the DRM shmem fbdev's read): 0 at or past the end, else the bytes up to the
 * end; EFAULT when the user buffer is not writable (nothing is copied then).
 */
export function fbRead(
  device: FbmemDevice,
  buf: number,
  count: number,
  ppos: FilePos,
  mem: UserMemory,
): number {
  device.assertLive();
  const p = ppos.pos;
  const total = device.fix.smemLen;
  let n = verifyArea(p, count);
  if (p >= total) return 0;
  n = Math.min(n, total - p);
  mem.write(buf, device.helper.screen.bytes.subarray(p, p + n));
  ppos.pos = p + n;
  return n;
}

/**
 * `fb_sys_write` + damage (`drm_fbdev_shmem`'s defio write): EFBIG when the position is past
 * the end, ENOSPC when nothing fits, else a partial write up to the end; the written range is
 * damaged through drm-fb-helper's write path. EFAULT when the user buffer is not readable.
 */
export function fbWrite(
  device: FbmemDevice,
  buf: number,
  count: number,
  ppos: FilePos,
  mem: UserMemory,
): number {
  device.assertLive();
  const p = ppos.pos;
  const total = device.fix.smemLen;
  const n = verifyArea(p, count);
  if (p > total) throw new KernelError('EFBIG', `write at ${p} past the framebuffer (${total} bytes)`);
  const fits = Math.min(n, total - p);
  if (fits === 0 && n > 0) throw new KernelError('ENOSPC', `no room to write at ${p}`);
  if (fits === 0) return 0;
  const bytes = mem.read(buf, fits);
  const written = device.helper.write(p, bytes);
  ppos.pos = p + written;
  return written;
}

/**
 * `default_llseek` on a device node (i_size 0): SEEK_END counts from 0, SEEK_DATA/SEEK_HOLE
 * find no data (ENXIO), a negative result is EINVAL, an unknown whence EINVAL.
 */
export function fbLlseek(fpos: FilePos, offset: number, whence: number): number {
  check(Number.isSafeInteger(offset), 'EINVAL', `offset ${offset}`);
  let target: number;
  switch (whence) {
    case SEEK_SET:
    case SEEK_END:
      target = offset;
      break;
    case SEEK_CUR:
      target = fpos.pos + offset;
      break;
    case SEEK_DATA:
      check(offset < 0, 'ENXIO', 'no data past the end of a device node');
      target = offset;
      break;
    case SEEK_HOLE:
      check(offset < 0, 'ENXIO', 'no hole past the end of a device node');
      target = 0;
      break;
    default:
      throw new KernelError('EINVAL', `whence ${whence}`);
  }
  check(target >= 0, 'EINVAL', `seek to ${target}`);
  fpos.pos = target;
  return target;
}
