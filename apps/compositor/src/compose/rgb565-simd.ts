/**
 * RGB565 → XRGB8888 (X = 0xff, channels widened by bit replication, as drm-fb-helper's RGB565
 * `unpack`) with WebAssembly SIMD: eight pixels per iteration, each channel placed by a mask and a
 * shift. Rows are copied into a 64 Ki-pixel chunk of wasm memory, expanded, and copied out to the
 * output rows, instead of one table lookup per pixel in JavaScript.
 */
import { instantiateKernel, Op } from './wasm-module.js';

const CHUNK = 65536;
/** input halfwords at 0, output words after them */
const OUT = CHUNK * 2;
const [N, P, O, Q] = [0, 1, 2, 3];

/** `(q & mask) << s` or `>> s`, ORed into the value on the stack. */
const term = (mask: number, shift: number, left: boolean) => [
  ...Op.get(Q),
  ...Op.splat32(mask),
  ...Op.and,
  ...Op.i32(shift),
  ...(left ? Op.shl32 : Op.shrU32),
  ...Op.or,
];

/** Four pixels: extend (low or high half of the loaded 8), expand, store at o, o += 16. */
const half = (extend: readonly number[]) => [
  ...Op.get(O),
  ...[...Op.get(P), ...Op.load, ...extend, ...Op.set(Q)],
  ...Op.splat32(0xff000000),
  ...term(0xf800, 8, true), // red, top 5 bits
  ...term(0xe000, 3, true), // red, replicated low 3
  ...term(0x07e0, 5, true), // green, top 6 bits
  ...term(0x0600, 1, false), // green, replicated low 2
  ...term(0x001f, 3, true), // blue, top 5 bits
  ...term(0x001c, 2, false), // blue, replicated low 3
  ...Op.store,
  ...[...Op.get(O), ...Op.i32(16), ...Op.i32Add, ...Op.set(O)],
];

const kernel = instantiateKernel(
  [
    [2, 0x7f],
    [1, 0x7b],
  ],
  [
    ...[...Op.i32(OUT), ...Op.set(O)],
    ...Op.block,
    ...Op.loop,
    ...[...Op.get(P), ...Op.get(N), ...Op.i32GeU, ...Op.brIf(1)],
    ...half(Op.extendLowU16),
    ...half(Op.extendHighU16),
    ...[...Op.get(P), ...Op.i32(16), ...Op.i32Add, ...Op.set(P)],
    ...Op.br(0),
    ...Op.end,
    ...Op.end,
  ],
  (OUT + CHUNK * 4) / 65536,
);

const input = kernel && new Uint16Array(kernel.mem.buffer, 0, CHUNK);
const output = kernel && new Uint32Array(kernel.mem.buffer, OUT, CHUNK);

export const RGB565_SIMD = kernel !== undefined;

/**
 * Expands the `w×h` block at (sx, sy) of `src` (RGB565 halfwords, `srcStride` halfwords per row)
 * to XRGB8888 in `out` at (dx, dy), `outStride` words per row. Only call when `RGB565_SIMD`.
 */
export function rgb565ToXrgb8888Simd(
  src: Uint16Array,
  srcStride: number,
  sx: number,
  sy: number,
  w: number,
  h: number,
  out: Uint32Array,
  outStride: number,
  dx: number,
  dy: number,
): void {
  const run = kernel!.run;
  const [inp, outp] = [input!, output!];
  const rowsPerChunk = Math.max(1, Math.floor(CHUNK / w));
  for (let row = 0; row < h; row += rowsPerChunk) {
    const rows = Math.min(rowsPerChunk, h - row);
    if (rows * w > CHUNK) {
      // a row wider than the chunk (65536+ pixels): halves, recursively
      const half = w >>> 1;
      rgb565ToXrgb8888Simd(src, srcStride, sx, sy + row, half, 1, out, outStride, dx, dy + row);
      rgb565ToXrgb8888Simd(
        src,
        srcStride,
        sx + half,
        sy + row,
        w - half,
        1,
        out,
        outStride,
        dx + half,
        dy + row,
      );
      continue;
    }
    for (let r = 0; r < rows; r++) {
      const s = (sy + row + r) * srcStride + sx;
      inp.set(src.subarray(s, s + w), r * w);
    }
    run(((rows * w + 7) & ~7) * 2);
    for (let r = 0; r < rows; r++) {
      const d = (dy + row + r) * outStride + dx;
      out.set(outp.subarray(r * w, r * w + w), d);
    }
  }
}
