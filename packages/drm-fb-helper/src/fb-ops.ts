import { check, checkCount, checkObject, isCount, KernelError } from '@fbemu/gem-shmem';
import { copyBytes } from './blit.js';
import { writeRaw } from './format.js';
import { Rect } from './rect.js';
import { checkSurface, type FbSurface } from './surface.js';

/**
 * fb_ops drawing (the `sys_fillrect` / `sys_copyarea` / `sys_imageblit` family fbcon uses) on a
 * plain framebuffer surface. Each op is clipped to the surface and returns exactly the rect it
 * wrote, which is the damage the helper records (the kernel damages the unclipped request).
 * Colours are raw pixel values of the surface format (`format.pack(0xAARRGGBB)` makes one).
 */

/** fb_fillrect.rop */
export const ROP_COPY = 0;
export const ROP_XOR = 1;

/** struct fb_fillrect */
export interface FbFillrect {
  dx: number;
  dy: number;
  width: number;
  height: number;
  /** raw pixel value */
  color: number;
  /** ROP_COPY (default) or ROP_XOR (fbcon's cursor) */
  rop?: number;
}

/** struct fb_copyarea: copies `width × height` from (sx, sy) to (dx, dy); overlap is fine. */
export interface FbCopyarea {
  dx: number;
  dy: number;
  width: number;
  height: number;
  sx: number;
  sy: number;
}

/**
 * struct fb_image. `depth` 1: a monochrome bitmap, rows of `ceil(width / 8)` bytes, most
 * significant bit first; set bits draw `fgColor`, clear bits `bgColor` (raw pixels).
 * `depth` = the surface bpp: `width × height` pixels in the surface format, `width · cpp` bytes a row.
 */
export interface FbImage {
  dx: number;
  dy: number;
  width: number;
  height: number;
  depth: number;
  fgColor?: number;
  bgColor?: number;
  data: Uint8Array;
}

/**
 * The entry check of every fb_op: a surface, an argument struct (not null, not a primitive) and
 * dx/dy/width/height as non-negative integers (EINVAL); messages are built only on failure
 * (fbcon calls this per glyph). Returns the requested rect (its int32 range is `Rect`'s check).
 */
function checkArea(
  s: FbSurface,
  op: { dx: number; dy: number; width: number; height: number },
  what: string,
): Rect {
  checkSurface(s, `${what} surface`);
  checkObject(op, what);
  if (!(isCount(op.dx) && isCount(op.dy) && isCount(op.width) && isCount(op.height))) {
    throw new KernelError('EINVAL', `${what}: dx, dy, width, height must be non-negative integers`);
  }
  return new Rect(op.dx, op.dy, op.dx + op.width, op.dy + op.height);
}

function checkPixel(s: FbSurface, value: unknown, what: string): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < 2 ** s.format.bpp)
    return value;
  throw new KernelError('EINVAL', `${what} ${value} is not a ${s.format.bpp}-bit pixel`);
}

/** Fills bytes [o, o + len) of `bytes` by doubling the first `cpp` bytes already written at `o`. */
function replicate(bytes: Uint8Array, o: number, cpp: number, len: number): void {
  for (let have = cpp; have < len; have *= 2) bytes.copyWithin(o + have, o, o + Math.min(have, len - have));
}

export function fillrect(s: FbSurface, op: FbFillrect): Rect {
  const r = checkArea(s, op, 'fillrect').intersect(s.bounds);
  const color = checkPixel(s, op.color, 'fillrect.color');
  const rop = op.rop ?? ROP_COPY;
  if (rop !== ROP_COPY && rop !== ROP_XOR) throw new KernelError('EINVAL', `fillrect.rop ${rop}`);
  if (r.isEmpty()) return r;
  if (rop === ROP_XOR) xorRect(s, r, color);
  else if (s.u32 || s.u16) fillWords(s, r, color);
  else fillBytes(s, r, color);
  return r;
}

function fillWords(s: FbSurface, r: Rect, color: number): void {
  const words = (s.u32 ?? s.u16)!;
  const stride = s.pitch / s.cpp;
  for (let y = r.y1; y < r.y2; y++) words.fill(color, y * stride + r.x1, y * stride + r.x2);
}

/** Any cpp (24 bpp, unaligned buffers): build the first row by doubling, then copy it down. */
function fillBytes(s: FbSurface, r: Rect, color: number): void {
  const first = s.offsetOf(r.x1, r.y1);
  const len = r.width * s.cpp;
  writeRaw(s.bytes, first, s.cpp, color);
  replicate(s.bytes, first, s.cpp, len);
  for (let y = r.y1 + 1; y < r.y2; y++) s.bytes.copyWithin(s.offsetOf(r.x1, y), first, first + len);
}

function xorRect(s: FbSurface, r: Rect, color: number): void {
  const cpp = s.cpp;
  for (let y = r.y1; y < r.y2; y++) {
    const end = s.offsetOf(r.x2, y);
    for (let o = s.offsetOf(r.x1, y); o < end; o += cpp) {
      for (let b = 0; b < cpp; b++) s.bytes[o + b] ^= color >>> (8 * b);
    }
  }
}

export function copyarea(s: FbSurface, op: FbCopyarea): Rect {
  checkArea(s, op, 'copyarea');
  if (!(isCount(op.sx) && isCount(op.sy)))
    throw new KernelError('EINVAL', 'copyarea: sx, sy must be non-negative integers');
  // clip so that both the source and the destination stay inside the surface
  const w = Math.max(0, Math.min(op.width, s.width - op.dx, s.width - op.sx));
  const h = Math.max(0, Math.min(op.height, s.height - op.dy, s.height - op.sy));
  if (w === 0 || h === 0) return Rect.EMPTY;
  const len = w * s.cpp;
  // rows bottom-up when moving down, so an overlapping source is read before it is overwritten
  const down = op.dy > op.sy;
  for (let i = 0; i < h; i++) {
    const row = down ? h - 1 - i : i;
    const src = s.offsetOf(op.sx, op.sy + row);
    s.bytes.copyWithin(s.offsetOf(op.dx, op.dy + row), src, src + len);
  }
  return new Rect(op.dx, op.dy, op.dx + w, op.dy + h);
}

export function imageblit(s: FbSurface, image: FbImage): Rect {
  const req = checkArea(s, image, 'imageblit');
  const mono = image.depth === 1;
  const srcPitch = mono ? Math.ceil(image.width / 8) : image.width * s.cpp;
  const ok =
    image.data instanceof Uint8Array &&
    (mono || image.depth === s.format.bpp) &&
    image.data.length >= srcPitch * image.height;
  if (!ok)
    throw new KernelError('EINVAL', `imageblit: depth ${image.depth} or its data does not fit the image`);
  const fg = mono ? checkPixel(s, image.fgColor ?? 0, 'imageblit.fgColor') : 0;
  const bg = mono ? checkPixel(s, image.bgColor ?? 0, 'imageblit.bgColor') : 0;
  const r = req.intersect(s.bounds);
  if (r.isEmpty()) return r;
  if (mono) expandMono(s, r, image, srcPitch, fg, bg);
  else copyPixels(s, r, image, srcPitch);
  return r;
}

/** cfb/sys_imageblit's colour expansion: one bit per pixel, MSB first. */
function expandMono(s: FbSurface, r: Rect, image: FbImage, srcPitch: number, fg: number, bg: number): void {
  const data = image.data;
  const bit0 = r.x1 - image.dx;
  const w = r.x2 - r.x1;
  for (let y = r.y1; y < r.y2; y++) {
    const row = (y - image.dy) * srcPitch;
    const words = s.u32 ?? s.u16;
    if (words) expandRowWords(words, (y * s.pitch) / s.cpp + r.x1, data, row, bit0, w, fg, bg);
    else expandRowBytes(s, s.offsetOf(r.x1, y), data, row, bit0, w, fg, bg);
  }
}

/** One glyph row into 16- or 32-bit pixels (the fbcon case): a word store per pixel. */
function expandRowWords(
  words: Uint32Array | Uint16Array,
  di: number,
  data: Uint8Array,
  row: number,
  bit0: number,
  w: number,
  fg: number,
  bg: number,
): void {
  for (let i = 0, bit = bit0; i < w; i++, bit++)
    words[di + i] = (data[row + (bit >> 3)] << (bit & 7)) & 0x80 ? fg : bg;
}

function expandRowBytes(
  s: FbSurface,
  o: number,
  data: Uint8Array,
  row: number,
  bit0: number,
  w: number,
  fg: number,
  bg: number,
): void {
  const cpp = s.cpp;
  for (let i = 0, bit = bit0; i < w; i++, bit++) {
    writeRaw(s.bytes, o + i * cpp, cpp, (data[row + (bit >> 3)] << (bit & 7)) & 0x80 ? fg : bg);
  }
}

function copyPixels(s: FbSurface, r: Rect, image: FbImage, srcPitch: number): void {
  const len = r.width * s.cpp;
  for (let y = r.y1; y < r.y2; y++) {
    copyBytes(
      image.data,
      (y - image.dy) * srcPitch + (r.x1 - image.dx) * s.cpp,
      s.bytes,
      s.offsetOf(r.x1, y),
      len,
    );
  }
}

/**
 * `fb_sys_write`: copies `data` to byte `pos` of a screen of `total` bytes (screen_size or
 * smem_len), clamping what runs past the end. Returns the bytes written. Like the kernel, an
 * error is only reported when nothing could be written: ENOSPC for a write starting at the very
 * end; a position past the end is the kernel's EFBIG, reported as EINVAL because gem-shmem's
 * errno table has no EFBIG yet.
 */
export function fbWrite(screen: Uint8Array, total: number, pos: number, data: Uint8Array): number {
  check(screen instanceof Uint8Array, 'EINVAL', 'write screen must be a Uint8Array');
  checkCount(pos, 'write position');
  check(data instanceof Uint8Array, 'EINVAL', 'write data must be a Uint8Array');
  check(
    Number.isSafeInteger(total) && total <= screen.length,
    'EINVAL',
    `screen shorter than ${total} bytes`,
  );
  check(pos <= total, 'EINVAL', `(EFBIG) write position ${pos} beyond the screen (${total} bytes)`);
  const count = Math.min(data.length, total - pos);
  check(count > 0 || data.length === 0, 'ENOSPC', `no room to write at ${pos}`);
  copyBytes(data, 0, screen, pos, count);
  return count;
}
