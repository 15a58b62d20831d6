import type { ByteWriter } from './byte-writer.js';
import { UDL_MAX_PACKET, UDL_RUN_FLAG, UDL_WRITE_SPAN } from './udl-protocol.js';

/**
 * Finds the pixels of a row that differ from the backing copy (dlfb_render_hline's compare),
 * comparing `cpp`-byte pixels, and writes `[start, end)` pixel pairs into `spans`. Spans closer
 * than `mergeGap` pixels are joined (a span header costs more than a few unchanged pixels).
 * Returns the number of spans. `spans` must hold `2 · ceil(width / 2)` entries.
 */
export function changedSpans(
  src: Uint8Array,
  back: Uint8Array,
  off: number,
  width: number,
  cpp: number,
  mergeGap: number,
  spans: Int32Array,
): number {
  let n = 0;
  let x = 0;
  while (x < width) {
    if (samePixel(src, back, off + x * cpp, cpp)) {
      x++;
      continue;
    }
    let end = x + 1;
    while (end < width && !samePixel(src, back, off + end * cpp, cpp)) end++;
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

function samePixel(a: Uint8Array, b: Uint8Array, o: number, cpp: number): boolean {
  for (let i = 0; i < cpp; i++) if (a[o + i] !== b[o + i]) return false;
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
