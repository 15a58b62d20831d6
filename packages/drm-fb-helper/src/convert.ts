import { isCount, KernelError } from '@fbemu/gem-shmem';
import { type PixelFormat, readRaw } from './format.js';
import { checkRect, type Rect } from './rect.js';
import { checkSurface, type FbSurface } from './surface.js';

/**
 * Row conversions out of a framebuffer format, for sinks:
 *  - RGBA8888 bytes (R, G, B, A in memory) for PNG encoders and pixel comparisons;
 *  - 32-bit `0xAARRGGBB` words (XRGB8888/ARGB8888 layout) for compositing; an ARGB8888 source
 *    keeps its alpha there, every other source gets 0xFF.
 */

/** Converts `width` pixels starting at byte `srcOff` into RGBA8888 bytes at `dstOff`. */
export function rowToRgba8888(
  format: PixelFormat,
  src: Uint8Array,
  srcOff: number,
  width: number,
  dst: Uint8Array,
  dstOff: number,
): void {
  const cpp = format.cpp;
  for (let i = 0, s = srcOff, d = dstOff; i < width; i++, s += cpp, d += 4) {
    const c = format.unpack(readRaw(src, s, cpp));
    dst[d] = c >> 16;
    dst[d + 1] = c >> 8;
    dst[d + 2] = c;
    dst[d + 3] = c >>> 24;
  }
}

/** Converts `width` pixels starting at byte `srcOff` into `0xAARRGGBB` words at `dst[dstIndex]`. */
export function rowToXrgb8888(
  format: PixelFormat,
  src: Uint8Array,
  srcOff: number,
  width: number,
  dst: Uint32Array,
  dstIndex: number,
): void {
  const cpp = format.cpp;
  for (let i = 0, s = srcOff; i < width; i++, s += cpp)
    dst[dstIndex + i] = format.unpack(readRaw(src, s, cpp));
}

/**
 * Every 16-bit raw pixel's colour, per 16-bit format: one table lookup per pixel instead of
 * assembling bytes and widening channels (256 KiB, built on first use).
 */
const LUT16 = new Map<PixelFormat, Uint32Array>();

function lut16(format: PixelFormat): Uint32Array {
  let lut = LUT16.get(format);
  if (!lut) {
    lut = new Uint32Array(65536);
    for (let raw = 0; raw < 65536; raw++) lut[raw] = format.unpack(raw);
    LUT16.set(format, lut);
  }
  return lut;
}

/** 16-bit source words through the format's table. */
function row16ToXrgb8888(
  src: Uint16Array,
  si: number,
  width: number,
  lut: Uint32Array,
  dst: Uint32Array,
  di: number,
): void {
  for (let i = 0; i < width; i++) dst[di + i] = lut[src[si + i]];
}

/** The same on whole words, when the source is 32-bit aligned (no byte assembly). */
function row32ToXrgb8888(
  src: Uint32Array,
  si: number,
  width: number,
  alpha: number,
  dst: Uint32Array,
  di: number,
): void {
  for (let i = 0; i < width; i++) dst[di + i] = src[si + i] | alpha;
}

function checkTarget(dstLength: number, stride: number, unit: number, dx: number, dy: number, r: Rect): void {
  const ok =
    isCount(dx) &&
    isCount(dy) &&
    Number.isSafeInteger(stride) &&
    stride >= (dx + r.width) * unit &&
    (dy + r.height - 1) * stride + (dx + r.width) * unit <= dstLength;
  if (!ok) throw new KernelError('EINVAL', `target (${dx},${dy}) stride ${stride} cannot hold ${r}`);
}

/**
 * Clips `rect` to the surface and places its top-left pixel at (dx, dy) of the target, moved by
 * what the clip cut off; EINVAL unless the target holds the clipped rect (`unit` per pixel).
 * An empty clip is `Rect.EMPTY`, which the callers' row loops skip.
 */
function place(
  src: FbSurface,
  rect: Rect,
  dst: Uint8Array | Uint32Array,
  Dst: typeof Uint8Array | typeof Uint32Array,
  dstStride: number,
  unit: number,
  tx: number | undefined,
  ty: number | undefined,
): { r: Rect; ox: number; oy: number } {
  checkSurface(src, 'conversion source');
  checkRect(rect, 'conversion rect');
  if (!(dst instanceof Dst)) throw new KernelError('EINVAL', `conversion target must be a ${Dst.name}`);
  const dstLength = dst.length;
  const dx = tx ?? rect.x1;
  const dy = ty ?? rect.y1;
  const r = rect.intersect(src.bounds);
  const ox = dx + (r.x1 - rect.x1);
  const oy = dy + (r.y1 - rect.y1);
  if (!r.isEmpty()) checkTarget(dstLength, dstStride, unit, ox, oy, r);
  return { r, ox, oy };
}

/**
 * Copies `rect` of `src` (clipped to the surface) into an RGBA8888 image with `dstStride` bytes
 * per row, placing the rect's top-left pixel at (dx, dy) (default: the same position).
 * Returns the clipped rect that was converted.
 */
export function convertRectToRgba8888(
  src: FbSurface,
  rect: Rect,
  dst: Uint8Array,
  dstStride: number,
  dx?: number,
  dy?: number,
): Rect {
  const { r, ox, oy } = place(src, rect, dst, Uint8Array, dstStride, 4, dx, dy);
  for (let y = r.y1; y < r.y2; y++) {
    rowToRgba8888(
      src.format,
      src.bytes,
      src.offsetOf(r.x1, y),
      r.width,
      dst,
      (oy + y - r.y1) * dstStride + ox * 4,
    );
  }
  return r;
}

/**
 * Copies `rect` of `src` (clipped to the surface) into 32-bit `0xAARRGGBB` words with
 * `dstStride` words per row, top-left at (dx, dy). Returns the clipped rect that was converted.
 */
export function convertRectToXrgb8888(
  src: FbSurface,
  rect: Rect,
  dst: Uint32Array,
  dstStride: number,
  dx?: number,
  dy?: number,
): Rect {
  const { r, ox, oy } = place(src, rect, dst, Uint32Array, dstStride, 1, dx, dy);
  const alpha = src.format.hasAlpha ? 0 : 0xff000000;
  const lut = src.u16 ? lut16(src.format) : undefined;
  for (let y = r.y1; y < r.y2; y++) {
    const di = (oy + y - r.y1) * dstStride + ox;
    if (src.u32) row32ToXrgb8888(src.u32, src.offsetOf(r.x1, y) / 4, r.width, alpha, dst, di);
    else if (lut) row16ToXrgb8888(src.u16!, src.offsetOf(r.x1, y) / 2, r.width, lut, dst, di);
    else rowToXrgb8888(src.format, src.bytes, src.offsetOf(r.x1, y), r.width, dst, di);
  }
  return r;
}
