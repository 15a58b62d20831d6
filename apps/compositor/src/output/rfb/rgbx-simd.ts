/**
 * XRGB8888 → noVNC's R,G,B,X bytes with WebAssembly SIMD: one `i8x16.swizzle` (a single byte
 * shuffle instruction on x64) moves four pixels: red and blue exchange bytes, the padding byte
 * becomes 0.
 *
 * Wasm code can only read its own memory. A frame allocated with `frameWords` lives in a wasm
 * memory of its own, behind a chunk of 64 Ki pixels: rows are shuffled straight from the frame into
 * the chunk (one pass, rect rows in one call) and the chunk is copied out, so the conversion costs
 * one vector pass and one `TypedArray.set`. Any other source is first copied into the chunk and
 * shuffled there in place (two copies and a pass). The RFB server keeps its copy of the frame
 * (`ShadowFrame`) in such a memory.
 */
import { compileKernel, type Kernel, Op } from '../../compose/wasm-module.js';

/** pixels per chunk: 256 KiB of wasm memory (stays in the CPU's L2 cache) */
const CHUNK = 65536;
/** a vector pass may run 12 bytes past a row; this much room follows the chunk and the frame */
const SLACK = 16;
const FRAME_AT = CHUNK * 4 + SLACK;
const PAGE = 65536;
/** byte i of four pixels ← source byte SWIZZLE[i]; 0x80 reads as 0 (the padding byte) */
const SWIZZLE = [2, 1, 0, 0x80, 6, 5, 4, 0x80, 10, 9, 8, 0x80, 14, 13, 12, 0x80];
// params: source address, source stride (bytes), row bytes, rows; locals: chunk address, cursor, row end
const [SRC, STRIDE, ROW, ROWS, D, S, E] = [0, 1, 2, 3, 4, 5, 6];

/**
 * Rows of `ROW` bytes at SRC, SRC + STRIDE, … packed into the chunk at 0. Each row is done in whole
 * vectors, so up to 12 bytes past it are read and written; the next row overwrites those.
 */
const rowLoop = [
  ...[...Op.get(SRC), ...Op.set(S), ...Op.get(SRC), ...Op.get(ROW), ...Op.i32Add, ...Op.set(E)],
  ...Op.block,
  ...Op.loop,
  ...[...Op.get(S), ...Op.get(E), ...Op.i32GeU, ...Op.brIf(1)],
  ...[...Op.get(D), ...Op.get(S), ...Op.load, ...Op.const16(SWIZZLE), ...Op.swizzle, ...Op.store],
  ...[...Op.get(S), ...Op.i32(16), ...Op.i32Add, ...Op.set(S)],
  ...[...Op.get(D), ...Op.i32(16), ...Op.i32Add, ...Op.set(D)],
  ...Op.br(0),
  ...Op.end,
  ...Op.end,
  // back to the row's true end: d -= s - e
  ...[...Op.get(D), ...Op.get(S), ...Op.get(E), ...Op.i32Sub, ...Op.i32Sub, ...Op.set(D)],
];

const module = compileKernel(
  [[3, 0x7f]],
  [
    ...Op.block,
    ...Op.loop,
    ...[...Op.get(ROWS), ...Op.i32Eqz, ...Op.brIf(1)],
    ...rowLoop,
    ...[...Op.get(SRC), ...Op.get(STRIDE), ...Op.i32Add, ...Op.set(SRC)],
    ...[...Op.get(ROWS), ...Op.i32(1), ...Op.i32Sub, ...Op.set(ROWS)],
    ...Op.br(0),
    ...Op.end,
    ...Op.end,
  ],
  Math.ceil(FRAME_AT / PAGE),
  4,
);

/** Whether the SIMD path is available (Node ≥ 16.4 on x64 and arm64 has it). */
export const RGBX_SIMD = module !== undefined;

interface Chunked {
  kernel: Kernel;
  /** the chunk as words (the memory never grows once views exist, so they stay valid) */
  words: Uint32Array;
}

function chunked(kernel: Kernel): Chunked {
  return { kernel, words: new Uint32Array(kernel.mem.buffer, 0, CHUNK) };
}

/** the kernel for sources outside wasm memory */
const shared = module && chunked(module.instantiate());
/** the memory of each `frameWords` frame → its kernel */
const owners = new WeakMap<ArrayBufferLike, Chunked>();

/**
 * `n` zeroed words for a frame the RGBX conversion reads in place: in a wasm memory of their own
 * when the SIMD path exists (and the memory can hold them), else a plain array.
 */
export function frameWords(n: number): Uint32Array<ArrayBuffer> {
  if (module === undefined || n * 4 > 2 ** 32 - FRAME_AT - SLACK) return new Uint32Array(n);
  const kernel = module.instantiate();
  const have = kernel.mem.buffer.byteLength;
  try {
    kernel.mem.grow(Math.ceil((FRAME_AT + n * 4 + SLACK - have) / PAGE));
  } catch {
    return new Uint32Array(n); // the runtime refused the memory
  }
  const words = new Uint32Array(kernel.mem.buffer, FRAME_AT, n);
  owners.set(words.buffer, chunked(kernel));
  return words;
}

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
  const own = owners.get(pixels.buffer);
  const { kernel, words } = own ?? shared!;
  const rowsPerChunk = Math.floor(CHUNK / w); // ≥ 1: RFB rects are at most 65535 wide
  for (let row = 0; row < h; row += rowsPerChunk) {
    const rows = Math.min(rowsPerChunk, h - row);
    const n = rows * w;
    if (own !== undefined) {
      // straight from the frame: rows at their stride, packed into the chunk
      kernel.run(pixels.byteOffset + ((y + row) * stride + x) * 4, stride * 4, w * 4, rows);
    } else {
      for (let r = 0; r < rows; r++) {
        const s = (y + row + r) * stride + x;
        words.set(pixels.subarray(s, s + w), r * w);
      }
      kernel.run(0, 0, n * 4, 1); // the chunk in place, as one row
    }
    dst.set(words.subarray(0, n), row * w);
  }
}
