import { copyBytes } from '@fbemu/drm-fb-helper';
import { check, isCount } from '@fbemu/gem-shmem';

/**
 * Copies `rows` rows of `rowBytes` bytes between two pitched images (a memcpy per scanline),
 * e.g. VRAM → host surface, or the vmw fbdev's shadow → scanout BO, whose pitches differ.
 * When both sides are packed (pitch == rowBytes) the rows are contiguous and go as one `set`.
 * Callers bound every range; a range that does not fit is an EFAULT rather than a silent clip
 * (`subarray` would clamp), so an out-of-bounds copy is a loud bug, never a quiet one. Offsets,
 * pitches, sizes must be non-negative integers and each pitch at least a row (EINVAL): a negative
 * offset or pitch would make `subarray` count from the end of the buffer.
 */
export function copyRows(
  src: Uint8Array,
  srcOffset: number,
  srcPitch: number,
  dst: Uint8Array,
  dstOffset: number,
  dstPitch: number,
  rowBytes: number,
  rows: number,
): void {
  const args =
    isCount(srcOffset) &&
    isCount(dstOffset) &&
    isCount(rowBytes) &&
    isCount(rows) &&
    isCount(srcPitch) &&
    isCount(dstPitch) &&
    srcPitch >= rowBytes &&
    dstPitch >= rowBytes;
  check(args, 'EINVAL', `copyRows: bad offsets, pitches or sizes`);
  if (rows === 0 || rowBytes === 0) return;
  const srcEnd = srcOffset + (rows - 1) * srcPitch + rowBytes;
  const dstEnd = dstOffset + (rows - 1) * dstPitch + rowBytes;
  const inside = srcOffset >= 0 && dstOffset >= 0 && srcEnd <= src.length && dstEnd <= dst.length;
  check(inside, 'EFAULT', `copyRows: ${rows} rows of ${rowBytes} bytes out of bounds`);
  if (srcPitch === rowBytes && dstPitch === rowBytes) {
    dst.set(src.subarray(srcOffset, srcEnd), dstOffset);
    return;
  }
  // drm-fb-helper's row copy: a plain loop for short rows, so narrow rects create no views
  for (let r = 0; r < rows; r++)
    copyBytes(src, srcOffset + r * srcPitch, dst, dstOffset + r * dstPitch, rowBytes);
}
