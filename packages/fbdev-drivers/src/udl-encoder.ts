import type { ByteWriter } from './byte-writer.js';
import { UDL_MAX_PACKET, UDL_RUN_FLAG, UDL_WRITE_SPAN } from './udl-protocol.js';

/** Framebuffer bytes seen in the widest unit every pixel and row start is aligned to. */
export type PixelUnits = Uint8Array | Uint16Array | Uint32Array;

/**
 * Views `bytes` (rows of `pitch` bytes, `cpp`-byte pixels) as words when pixels are 16/32-bit and
 * every row starts on a word, else as bytes. `unitBytes` is the unit's size.
 */
export function pixelUnits(
  bytes: Uint8Array,
  cpp: number,
  pitch: number,
): { units: PixelUnits; unitBytes: number } {
  const fits = (n: number) =>
    cpp === n && bytes.byteOffset % n === 0 && bytes.length % n === 0 && pitch % n === 0;
  if (fits(4))
    return { units: new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length >> 2), unitBytes: 4 };
  if (fits(2))
    return { units: new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.length >> 1), unitBytes: 2 };
  return { units: bytes, unitBytes: 1 };
}

/**
 * Finds the pixels of a row that differ from the backing copy (dlfb_render_hline's compare),
 * whole words at a time for 16/32 bpp, and writes `[start, end)` pixel pairs into `spans`.
 * Spans closer than `mergeGap` pixels are joined (a span header costs more than a few unchanged
 * pixels). `src`/`back` are the same layout in units of `k` per pixel; `at` is the row's first
 * unit. Returns the number of spans; `spans` must hold `2 · ceil(width / 2)` entries.
 */
export function changedSpans(
  src: PixelUnits,
  back: PixelUnits,
  at: number,
  width: number,
  k: number,
  mergeGap: number,
  spans: Int32Array,
): number {
  let n = 0;
  let x = 0;
  while (x < width) {
    if (samePixel(src, back, at + x * k, k)) {
      x++;
      continue;
    }
    let end = x + 1;
    while (end < width && !samePixel(src, back, at + end * k, k)) end++;
    if (n > 0 && x - spans[n * 2 - 1] <= mergeGap) spans[n * 2 - 1] = end;
    else {
      spans[n * 2] = x;
      spans[n * 2 + 1] = end;
      n++;
    }
    x = end;
  }
  return n;
}

function samePixel(a: PixelUnits, b: PixelUnits, o: number, k: number): boolean {
  if (k === 1) return a[o] === b[o];
  for (let i = 0; i < k; i++) if (a[o + i] !== b[o + i]) return false;
  return true;
}

/**
 * One WRITE_SPAN of `count` RGB565 pixels `px[from..from+count)` at (x, y). With `compress`
 * runs of 2+ equal pixels become run packets and the rest literal packets; without it every
 * packet is a literal (what the stream costs uncompressed).
 */
export function encodeUdlSpan(
  w: ByteWriter,
  y: number,
  x: number,
  px: Uint16Array,
  from: number,
  count: number,
  compress: boolean,
): void {
  w.u8(UDL_WRITE_SPAN);
  w.u16le(y);
  w.u16le(x);
  w.u16le(count);
  const end = from + count;
  let i = from;
  let litStart = from;
  while (i < end) {
    let run = 1;
    if (compress) while (i + run < end && run < UDL_MAX_PACKET && px[i + run] === px[i]) run++;
    if (run >= 2) {
      literals(w, px, litStart, i);
      w.u8(UDL_RUN_FLAG | (run - 1));
      w.u16le(px[i]);
      i += run;
      litStart = i;
    } else i++;
  }
  literals(w, px, litStart, end);
}

/** Literal packets for `px[from..to)`, at most 128 pixels each. */
function literals(w: ByteWriter, px: Uint16Array, from: number, to: number): void {
  for (let i = from; i < to; ) {
    const n = Math.min(UDL_MAX_PACKET, to - i);
    w.u8(n - 1);
    for (let k = 0; k < n; k++) w.u16le(px[i + k]);
    i += n;
  }
}
