/**
 * XRGB8888 → noVNC's R,G,B,X bytes with WebAssembly SIMD: one `i8x16.shuffle` moves four pixels
 * (red and blue exchange bytes, the padding byte becomes 0). Wasm code can only read its own
 * memory, so rows are copied in by chunks of 64 Ki pixels (a chunk stays in the CPU cache),
 * shuffled in place, and copied out: two `TypedArray.set` and one vector pass, against one word op
 * per pixel in JavaScript.
 */
import { instantiateKernel, Op } from '../../compose/wasm-module.js';

/** pixels per chunk: 256 KiB of wasm memory (4 pages) */
const CHUNK = 65536;
const LANES = [2, 1, 0, 16, 6, 5, 4, 16, 10, 9, 8, 16, 14, 13, 12, 16]; // lane ≥ 16 reads the zero vector
const P = 1; // local: byte address; param 0: bytes to do

// (loop (br_if exit (p >= n)) (v128.store p (i8x16.shuffle LANES (v128.load p) 0)) (p += 16))
const kernel = instantiateKernel(
  [[1, 0x7f]],
  [
    ...Op.block,
    ...Op.loop,
    ...[...Op.get(P), ...Op.get(0), ...Op.i32GeU, ...Op.brIf(1)],
    ...Op.get(P),
    ...[...Op.get(P), ...Op.load, ...Op.const16(new Array<number>(16).fill(0)), ...Op.shuffle(LANES)],
    ...Op.store,
    ...[...Op.get(P), ...Op.i32(16), ...Op.i32Add, ...Op.set(P)],
    ...Op.br(0),
    ...Op.end,
    ...Op.end,
  ],
  (CHUNK * 4) / 65536,
);

/** the chunk as words (the memory never grows, so the view stays valid) */
const chunkWords = kernel && new Uint32Array(kernel.mem.buffer, 0, CHUNK);

/** Whether the SIMD path is available (Node ≥ 16.4 on x64 and arm64 has it). */
export const RGBX_SIMD = kernel !== undefined;

/**
 * Writes the `w×h` rect (w ≤ 65535) at (x, y) of `pixels` (stride in pixels) as R,G,B,0 bytes into
 * `dst` (one word per pixel, rows packed). Only call when `RGBX_SIMD`.
 */
export function swapRedBlueSimd(
  pixels: Uint32Array,
  stride: number,
  x: number,
  y: number,
  w: number,
  h: number,
  dst: Uint32Array,
): void {
  const run = kernel!.run;
  const words = chunkWords!;
  const rowsPerChunk = Math.floor(CHUNK / w); // ≥ 1: RFB rects are at most 65535 wide
  for (let row = 0; row < h; row += rowsPerChunk) {
    const rows = Math.min(rowsPerChunk, h - row);
    for (let r = 0; r < rows; r++) {
      const s = (y + row + r) * stride + x;
      words.set(pixels.subarray(s, s + w), r * w);
    }
    const n = rows * w;
    run((n * 4 + 15) & ~15);
    dst.set(words.subarray(0, n), row * w);
  }
}
