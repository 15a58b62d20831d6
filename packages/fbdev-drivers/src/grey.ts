import { check } from '@fbemu/gem-shmem';

/** Grey depths e-paper controllers take: 1 (black/white), 4 (16 levels), 8 (256 levels). */
export type GreyBits = 1 | 4 | 8;
export const GREY_BITS: readonly GreyBits[] = [1, 4, 8];

export function checkGreyBits(bits: number): asserts bits is GreyBits {
  check((GREY_BITS as readonly number[]).includes(bits), 'EINVAL', `grey depth ${bits} is not 1, 4 or 8`);
}

/** BT.601 luma of an `0xAARRGGBB` colour, 0..255, in integers (weights 77/150/29 sum to 256). */
export function lumaOf(argb: number): number {
  return (((argb >> 16) & 0xff) * 77 + ((argb >> 8) & 0xff) * 150 + (argb & 0xff) * 29 + 128) >> 8;
}

/** 8-bit luma → level of a `bits` deep panel (truncation; 1 bit thresholds at 128). */
export function greyLevel(luma: number, bits: GreyBits): number {
  return luma >> (8 - bits);
}

/** Level → the 0..255 grey the panel shows (levels spread evenly: 4 bits × 17, 1 bit × 255). */
export function expandGrey(level: number, bits: GreyBits): number {
  return (level * 255) / ((1 << bits) - 1);
}

/** Bytes of one packed row of `width` pixels. */
export function greyStride(width: number, bits: GreyBits): number {
  return Math.ceil((width * bits) / 8);
}

/**
 * Packs levels `levels[0..width)` into `dst` at `dstOff`, most significant bits first
 * (pixel 0 in the top bits of byte 0), padding the last byte with zeros.
 */
export function packGreyRow(
  levels: Uint8Array,
  width: number,
  bits: GreyBits,
  dst: Uint8Array,
  dstOff: number,
): void {
  if (bits === 8) {
    dst.set(levels.subarray(0, width), dstOff);
    return;
  }
  const perByte = 8 / bits;
  const stride = greyStride(width, bits);
  dst.fill(0, dstOff, dstOff + stride);
  for (let i = 0; i < width; i++) {
    const shift = 8 - bits * ((i % perByte) + 1);
    dst[dstOff + Math.floor(i / perByte)] |= levels[i] << shift;
  }
}

/** Level of pixel `i` of a packed row starting at `off`. */
export function unpackGreyLevel(src: Uint8Array, off: number, i: number, bits: GreyBits): number {
  if (bits === 8) return src[off + i];
  const perByte = 8 / bits;
  const shift = 8 - bits * ((i % perByte) + 1);
  return (src[off + Math.floor(i / perByte)] >> shift) & ((1 << bits) - 1);
}
