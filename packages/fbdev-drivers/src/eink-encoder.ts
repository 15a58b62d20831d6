import { type FbSurface, type Rect, readRaw } from '@fbemu/drm-fb-helper';
import type { ByteWriter } from './byte-writer.js';
import { einkLoadHeader } from './eink-protocol.js';
import { type GreyBits, greyLevel, greyStride, lumaOf, packGreyRow } from './grey.js';

/**
 * LOAD_AREA for `rect` of the framebuffer: each pixel's colour → BT.601 luma → a `bits` deep
 * grey level, rows packed most significant bits first. `levels` is a scratch line of at least
 * `rect.width` bytes.
 */
export function encodeEinkArea(
  w: ByteWriter,
  s: FbSurface,
  rect: Rect,
  bits: GreyBits,
  levels: Uint8Array,
): void {
  einkLoadHeader(w, rect.x1, rect.y1, rect.width, rect.height, bits);
  const stride = greyStride(rect.width, bits);
  const { format, bytes } = s;
  const cpp = format.cpp;
  for (let y = rect.y1; y < rect.y2; y++) {
    for (let i = 0, o = s.offsetOf(rect.x1, y); i < rect.width; i++, o += cpp) {
      levels[i] = greyLevel(lumaOf(format.unpack(readRaw(bytes, o, cpp))), bits);
    }
    packGreyRow(levels, rect.width, bits, w.reserve(stride), w.length);
    w.length += stride;
  }
}
