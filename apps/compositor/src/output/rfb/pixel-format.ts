import { RGBX_SIMD, rgb16Simd, swapRedBlueSimd } from './shadow-simd.js';

/**
 * RFB PIXEL_FORMAT (RFC 6143 §7.4) and the conversion from the compositor's XRGB8888 words to
 * whatever true-colour format a client asked for with SetPixelFormat.
 */

export interface PixelFormat {
  bitsPerPixel: number;
  depth: number;
  bigEndian: boolean;
  trueColour: boolean;
  redMax: number;
  greenMax: number;
  blueMax: number;
  redShift: number;
  greenShift: number;
  blueShift: number;
}

export const PIXEL_FORMAT_BYTES = 16;

/** What ServerInit announces: the framebuffer's own layout, so the default path is a plain copy. */
export const SERVER_PIXEL_FORMAT: Readonly<PixelFormat> = Object.freeze({
  bitsPerPixel: 32,
  depth: 24,
  bigEndian: false,
  trueColour: true,
  redMax: 255,
  greenMax: 255,
  blueMax: 255,
  redShift: 16,
  greenShift: 8,
  blueShift: 0,
});

/** Reads the 16-byte PIXEL_FORMAT at `offset` (the caller guarantees the bytes exist). */
export function decodePixelFormat(b: Uint8Array, offset: number): PixelFormat {
  const u16 = (i: number) => (b[offset + i] << 8) | b[offset + i + 1];
  return {
    bitsPerPixel: b[offset],
    depth: b[offset + 1],
    bigEndian: b[offset + 2] !== 0,
    trueColour: b[offset + 3] !== 0,
    redMax: u16(4),
    greenMax: u16(6),
    blueMax: u16(8),
    redShift: b[offset + 10],
    greenShift: b[offset + 11],
    blueShift: b[offset + 12],
  };
}

export function encodePixelFormat(pf: PixelFormat, out: Uint8Array, offset: number): void {
  const put16 = (i: number, v: number) => {
    out[offset + i] = v >>> 8;
    out[offset + i + 1] = v & 0xff;
  };
  out[offset] = pf.bitsPerPixel;
  out[offset + 1] = pf.depth;
  out[offset + 2] = pf.bigEndian ? 1 : 0;
  out[offset + 3] = pf.trueColour ? 1 : 0;
  put16(4, pf.redMax);
  put16(6, pf.greenMax);
  put16(8, pf.blueMax);
  out[offset + 10] = pf.redShift;
  out[offset + 11] = pf.greenShift;
  out[offset + 12] = pf.blueShift;
  out.fill(0, offset + 13, offset + PIXEL_FORMAT_BYTES);
}

function channelFits(max: number, shift: number, bpp: number): boolean {
  return max > 0 && shift < bpp && max * 2 ** shift < 2 ** bpp;
}

/** Why the server cannot serve `pf`, or `undefined` when it can (true colour, 8/16/32 bpp, channels inside the pixel). */
export function unsupportedReason(pf: PixelFormat): string | undefined {
  if (!pf.trueColour) return 'colour-map pixel formats are not supported';
  if (pf.bitsPerPixel !== 8 && pf.bitsPerPixel !== 16 && pf.bitsPerPixel !== 32) {
    return `bits-per-pixel ${pf.bitsPerPixel} is not 8, 16 or 32`;
  }
  const bpp = pf.bitsPerPixel;
  if (!channelFits(pf.redMax, pf.redShift, bpp)) return 'red channel does not fit the pixel';
  if (!channelFits(pf.greenMax, pf.greenShift, bpp)) return 'green channel does not fit the pixel';
  if (!channelFits(pf.blueMax, pf.blueShift, bpp)) return 'blue channel does not fit the pixel';
  return undefined;
}

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function bswap32(x: number): number {
  return (((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)) >>> 0;
}

function bswap16(x: number): number {
  return ((x & 0xff) << 8) | ((x >>> 8) & 0xff);
}

/** 256-entry table: an 8-bit channel value scaled to `max`, shifted, and byte-swapped if the client wants that. */
function channelTable(max: number, shift: number, bpp: number, swap: boolean): Uint32Array {
  const t = new Uint32Array(256);
  for (let v = 0; v < 256; v++) {
    const p = Math.round((v * max) / 255) * 2 ** shift;
    t[v] = !swap ? p : bpp === 32 ? bswap32(p) : bpp === 16 ? bswap16(p) : p;
  }
  return t;
}

function isServerLayout(pf: PixelFormat): boolean {
  const s = SERVER_PIXEL_FORMAT;
  return (
    pf.bitsPerPixel === 32 &&
    pf.bigEndian !== HOST_LITTLE_ENDIAN &&
    pf.redMax === s.redMax &&
    pf.greenMax === s.greenMax &&
    pf.blueMax === s.blueMax &&
    pf.redShift === s.redShift &&
    pf.greenShift === s.greenShift &&
    pf.blueShift === s.blueShift
  );
}

/**
 * 32 bpp with 8-bit channels on byte boundaries (noVNC asks for R,G,B,X bytes): each channel moves
 * by a shift, no tables. Returns the shifts as they apply to a host-order word, or undefined.
 */
function byteShifts(pf: PixelFormat): [number, number, number] | undefined {
  if (pf.bitsPerPixel !== 32 || pf.redMax !== 255 || pf.greenMax !== 255 || pf.blueMax !== 255)
    return undefined;
  const shifts = [pf.redShift, pf.greenShift, pf.blueShift];
  if (shifts.some((s) => s % 8 !== 0 || s > 24) || new Set(shifts).size !== 3) return undefined;
  // A big-endian client on a little-endian host: byte k of the value sits at memory byte 3 - k.
  const swap = pf.bigEndian === HOST_LITTLE_ENDIAN;
  const [r, g, b] = shifts.map((s) => (swap ? 24 - s : s));
  return [r, g, b];
}

/**
 * ZRLE's CPIXEL (RFC 6143 §7.7.6): a 32 bpp pixel of depth ≤ 24 whose channels all sit in the
 * least (or most) significant three bytes travels as those three bytes; any other pixel whole.
 * Returned as [bytes, first memory byte] for a little-endian host word holding the pixel's bytes.
 */
function cpixelLayout(pf: PixelFormat): [number, number] {
  if (pf.bitsPerPixel !== 32 || pf.depth > 24) return [pf.bitsPerPixel >>> 3, 0];
  const top = (max: number, shift: number) => max * 2 ** shift;
  const low = [
    top(pf.redMax, pf.redShift),
    top(pf.greenMax, pf.greenShift),
    top(pf.blueMax, pf.blueShift),
  ].every((t) => t < 2 ** 24);
  const high = pf.redShift >= 8 && pf.greenShift >= 8 && pf.blueShift >= 8;
  // Value byte k sits at memory byte k (little-endian) or 3 - k (big-endian).
  if (low) return [3, pf.bigEndian ? 1 : 0];
  if (high) return [3, pf.bigEndian ? 0 : 1];
  return [4, 0];
}

/**
 * XRGB8888 → R,G,B,X bytes: red and blue exchange places, green stays, padding 0 (WebAssembly SIMD
 * when the runtime has it, else one word op per pixel).
 */
function swapRedBlueRows(
  src: PixelSource,
  x: number,
  y: number,
  w: number,
  h: number,
  dst: Uint32Array,
): void {
  if (RGBX_SIMD) swapRedBlueSimd(src.pixels, src.stride, x, y, w, h, dst);
  else swapRedBlueWords(src, x, y, w, h, dst);
}

/** The same in JavaScript, one word op per pixel (the fallback; a test compares both). */
export function swapRedBlueWords(
  src: PixelSource,
  x: number,
  y: number,
  w: number,
  h: number,
  dst: Uint32Array,
): void {
  const { pixels, stride } = src;
  for (let row = 0; row < h; row++) {
    const s = (y + row) * stride + x;
    const o = row * w - s;
    for (let i = s, end = s + w; i < end; i++) {
      const p = pixels[i];
      dst[o + i] = ((p & 0xff) << 16) | (p & 0xff00) | ((p >>> 16) & 0xff);
    }
  }
}

/** A source framebuffer: XRGB8888 words, `stride` in pixels. */
export interface PixelSource {
  readonly width: number;
  readonly height: number;
  readonly stride: number;
  readonly pixels: Uint32Array;
}

/**
 * Converts rectangles of XRGB8888 words into one client pixel format. The server's own format is a
 * row copy (`TypedArray.set`); 32 bpp formats with byte-aligned 8-bit channels (noVNC's RGBX) move
 * each channel with a shift; any other one goes through three per-channel lookup tables, whose
 * entries are pre-shifted and pre-swapped so a pixel costs three loads and two ORs.
 */
export class PixelConverter {
  readonly bytesPerPixel: number;
  private readonly identity: boolean;
  private readonly shifts: [number, number, number] | undefined;
  /** noVNC's R,G,B,X: the server word with red and blue exchanged (one fixed word op per pixel) */
  private readonly swapRB: boolean;
  /** ZRLE's CPIXEL: how many bytes of each pixel go on the wire, from which memory byte */
  readonly cpixelBytes: number;
  readonly cpixelOffset: number;
  /** Tight's TPIXEL is three bytes R, G, B (32 bpp, depth 24, 8-bit channels) */
  readonly tpixelRgb: boolean;
  /** 16 bpp with maxima ≤ 255 (RGB565, RGB555, …): the SIMD kernel's format, else undefined */
  private readonly simd16: readonly number[] | undefined;
  private readonly r: Uint32Array;
  private readonly g: Uint32Array;
  private readonly b: Uint32Array;

  /** `pf` must have passed `unsupportedReason`. */
  constructor(readonly format: Readonly<PixelFormat>) {
    const bpp = format.bitsPerPixel;
    const swap = format.bigEndian === HOST_LITTLE_ENDIAN && bpp > 8;
    this.bytesPerPixel = bpp >>> 3;
    this.identity = isServerLayout(format);
    this.shifts = byteShifts(format);
    this.swapRB = this.shifts?.[0] === 0 && this.shifts[1] === 8 && this.shifts[2] === 16;
    [this.cpixelBytes, this.cpixelOffset] = cpixelLayout(format);
    this.tpixelRgb =
      bpp === 32 &&
      format.depth === 24 &&
      format.redMax === 255 &&
      format.greenMax === 255 &&
      format.blueMax === 255;
    const small = format.redMax <= 255 && format.greenMax <= 255 && format.blueMax <= 255;
    this.simd16 =
      RGBX_SIMD && bpp === 16 && small
        ? [
            format.redMax,
            format.greenMax,
            format.blueMax,
            format.redShift,
            format.greenShift,
            format.blueShift,
          ].concat(swap ? 1 : 0)
        : undefined;
    this.r = channelTable(format.redMax, format.redShift, bpp, swap);
    this.g = channelTable(format.greenMax, format.greenShift, bpp, swap);
    this.b = channelTable(format.blueMax, format.blueShift, bpp, swap);
  }

  /**
   * Writes the `w×h` rect at (x, y) of `src`, row after row, into `out` at `byteOffset`, which must be
   * a multiple of `bytesPerPixel` from an aligned buffer start (RFB rect data always is: headers are
   * 4 and 12 bytes). The rect must lie inside `src`.
   */
  convertRect(
    src: PixelSource,
    x: number,
    y: number,
    w: number,
    h: number,
    out: Uint8Array,
    byteOffset: number,
  ): void {
    const n = w * h;
    const at = out.byteOffset + byteOffset;
    if (this.bytesPerPixel === 4) this.rows(src, x, y, w, h, new Uint32Array(out.buffer, at, n));
    else if (this.bytesPerPixel === 2) this.rows(src, x, y, w, h, new Uint16Array(out.buffer, at, n));
    else this.rows(src, x, y, w, h, new Uint8Array(out.buffer, at, n));
  }

  /**
   * Like `convertRect`, but one client pixel per 32-bit word: the word's little-endian bytes are the
   * pixel's bytes on the wire (for 8 and 16 bpp the low one or two). ZRLE and Tight analyse these.
   */
  convertWords(src: PixelSource, x: number, y: number, w: number, h: number, dst: Uint32Array): void {
    this.rows(src, x, y, w, h, dst);
  }

  private rows(
    src: PixelSource,
    x: number,
    y: number,
    w: number,
    h: number,
    dst: Uint32Array | Uint16Array | Uint8Array,
  ): void {
    const { pixels, stride } = src;
    if (this.identity) {
      for (let row = 0; row < h; row++) {
        const s = (y + row) * stride + x;
        dst.set(pixels.subarray(s, s + w), row * w);
      }
      return;
    }
    if (this.swapRB && dst instanceof Uint32Array) {
      swapRedBlueRows(src, x, y, w, h, dst);
      return;
    }
    if (this.shifts && dst instanceof Uint32Array) {
      this.shiftRows(src, x, y, w, h, dst);
      return;
    }
    if (this.simd16 !== undefined && dst instanceof Uint16Array) {
      rgb16Simd(pixels, stride, x, y, w, h, dst, this.simd16);
      return;
    }
    const { r, g, b } = this;
    let o = 0;
    for (let row = 0; row < h; row++) {
      const s = (y + row) * stride + x;
      for (let i = s, end = s + w; i < end; i++) {
        const p = pixels[i];
        dst[o++] = r[(p >>> 16) & 0xff] | g[(p >>> 8) & 0xff] | b[p & 0xff];
      }
    }
  }

  private shiftRows(src: PixelSource, x: number, y: number, w: number, h: number, dst: Uint32Array): void {
    const { pixels, stride } = src;
    const [rs, gs, bs] = this.shifts!;
    let o = 0;
    for (let row = 0; row < h; row++) {
      const s = (y + row) * stride + x;
      for (let i = s, end = s + w; i < end; i++) {
        const p = pixels[i];
        dst[o++] = (((p >>> 16) & 0xff) << rs) | (((p >>> 8) & 0xff) << gs) | ((p & 0xff) << bs);
      }
    }
  }
}
