import type { Region } from '@fbemu/drm-fb-helper';
import { ByteWriter } from './byte-writer.js';
import type { PixelConverter, PixelSource } from './pixel-format.js';
import { Encoding, MAX_U16, RECT_HEADER_BYTES, ServerMsg, UPDATE_HEADER_BYTES } from './protocol.js';

/** A CopyRect: the `w×h` block at (sx, sy) on the client is copied to (dx, dy). */
export interface CopyOp {
  readonly sx: number;
  readonly sy: number;
  readonly dx: number;
  readonly dy: number;
  readonly w: number;
  readonly h: number;
}

/** What one FramebufferUpdate carries, in wire order: a resize, then copies, then raw rects. */
export interface UpdateParts {
  desktopSize?: { width: number; height: number };
  copies: readonly CopyOp[];
  /** raw rects; every rect lies inside the source */
  raw?: Region;
}

/** A compressing rect encoding (ZRLE, Tight) with its per-client state (zlib streams). */
export interface RectEncoder {
  readonly encoding: number;
  /** the session counter of rects sent this way */
  readonly counter: 'zrleRects' | 'tightRects' | 'hextileRects';
  /** Appends the rect at (x, y) as one or more encoded rects (header + data); returns how many. */
  encodeRect(
    src: PixelSource,
    conv: PixelConverter,
    x: number,
    y: number,
    w: number,
    h: number,
    out: ByteWriter,
  ): number;
  /** Frees the zlib streams (the session ended). */
  close(): void;
}

export interface EncodedUpdate {
  bytes: Buffer;
  rects: number;
  /** rects carrying pixels (Raw, ZRLE or Tight), not CopyRect or DesktopSize */
  pixelRects: number;
  rawPixels: number;
}

function rectHeader(
  out: Buffer,
  at: number,
  x: number,
  y: number,
  w: number,
  h: number,
  encoding: number,
): number {
  out.writeUInt16BE(x, at);
  out.writeUInt16BE(y, at + 2);
  out.writeUInt16BE(w, at + 4);
  out.writeUInt16BE(h, at + 6);
  out.writeInt32BE(encoding, at + 8);
  return at + RECT_HEADER_BYTES;
}

/**
 * Builds one FramebufferUpdate (RFC 6143 §7.6.1) into a single buffer sized up front: `reuse` when
 * it is big enough (a buffer the transport has finished with), else a new one. The buffer starts at
 * offset 0 of its own ArrayBuffer and every rect payload is a multiple of the pixel size, so pixel
 * rows are written through aligned typed-array views.
 */
export function encodeUpdate(
  src: PixelSource,
  conv: PixelConverter,
  parts: UpdateParts,
  reuse?: Buffer,
  rectEncoder?: RectEncoder,
): EncodedUpdate {
  if (rectEncoder !== undefined && parts.raw !== undefined)
    return encodeCompressed(src, conv, parts, parts.raw, rectEncoder, reuse);
  const bpp = conv.bytesPerPixel;
  let rawRects = 0;
  let rawPixels = 0;
  parts.raw?.forEachRect((x1, y1, x2, y2) => {
    rawRects++;
    rawPixels += (x2 - x1) * (y2 - y1);
  });
  const rects = (parts.desktopSize ? 1 : 0) + parts.copies.length + rawRects;
  const size = UPDATE_HEADER_BYTES + rects * RECT_HEADER_BYTES + parts.copies.length * 4 + rawPixels * bpp;
  const out =
    reuse !== undefined && reuse.byteOffset === 0 && reuse.length >= size
      ? reuse.subarray(0, size)
      : Buffer.allocUnsafeSlow(size);
  out[0] = ServerMsg.FramebufferUpdate;
  out[1] = 0;
  out.writeUInt16BE(rects, 2);
  let at = UPDATE_HEADER_BYTES;
  if (parts.desktopSize)
    at = rectHeader(out, at, 0, 0, parts.desktopSize.width, parts.desktopSize.height, Encoding.DesktopSize);
  for (const c of parts.copies) {
    at = rectHeader(out, at, c.dx, c.dy, c.w, c.h, Encoding.CopyRect);
    out.writeUInt16BE(c.sx, at);
    out.writeUInt16BE(c.sy, at + 2);
    at += 4;
  }
  parts.raw?.forEachRect((x1, y1, x2, y2) => {
    const w = x2 - x1;
    const h = y2 - y1;
    at = rectHeader(out, at, x1, y1, w, h, Encoding.Raw);
    conv.convertRect(src, x1, y1, w, h, out, at);
    at += w * h * bpp;
  });
  return { bytes: out, rects, pixelRects: rawRects, rawPixels };
}

/**
 * The same update with the damage in a compressing encoding: the size is known only afterwards, so
 * it is written into a growing buffer and the rect count is filled in at the end.
 */
function encodeCompressed(
  src: PixelSource,
  conv: PixelConverter,
  parts: UpdateParts,
  damage: Region,
  rectEncoder: RectEncoder,
  reuse: Buffer | undefined,
): EncodedUpdate {
  const out = new ByteWriter(reuse, UPDATE_HEADER_BYTES + parts.copies.length * (RECT_HEADER_BYTES + 4));
  out.u32(ServerMsg.FramebufferUpdate << 24);
  let rects = parts.copies.length;
  for (const c of parts.copies) {
    out.rectHeader(c.dx, c.dy, c.w, c.h, Encoding.CopyRect);
    out.u16(c.sx);
    out.u16(c.sy);
  }
  let rawPixels = 0;
  damage.forEachRect((x1, y1, x2, y2) => {
    rects += rectEncoder.encodeRect(src, conv, x1, y1, x2 - x1, y2 - y1, out);
    rawPixels += (x2 - x1) * (y2 - y1);
  });
  const bytes = out.result();
  if (rects > MAX_U16) throw new Error(`update of ${rects} rects does not fit RFB's U16 count`);
  bytes.writeUInt16BE(rects, 2);
  return { bytes, rects, pixelRects: rects - parts.copies.length, rawPixels };
}
