/**
 * WebAssembly SIMD kernels over the RFB server's copy of the frame (`ShadowFrame`), which lives in a
 * wasm memory of its own (`frameWords`) so the kernels read it in place:
 *
 * - **RGBX**: XRGB8888 → noVNC's R,G,B,X bytes. One `i8x16.swizzle` (a single byte shuffle on x64)
 *   moves four pixels: red and blue exchange bytes, the padding byte becomes 0. Rows are shuffled
 *   straight from the frame into a chunk of 64 Ki pixels (rect rows in one call) and the chunk is
 *   copied out: one vector pass and one `TypedArray.set`. Any other source is first copied into
 *   the chunk and shuffled there in place.
 * - **16 bpp** (RGB565 and any other 16-bit true-colour format with channel maxima ≤ 255): each
 *   channel scaled as round(c · max / 255) in i32 lanes ((x + 1 + (x >> 8)) >> 8 with
 *   x = c · max + 127, exact for every c and max ≤ 255), shifted, ORed, narrowed to halfwords and
 *   byte-swapped for a big-endian client: eight pixels per iteration, the lookup tables' values.
 * - **Tile compare** (damage refinement): the damaged rows of the live frame are staged in the
 *   chunk and compared with the copy 128 bytes (one 32-pixel tile row) at a time, XOR and OR of
 *   eight vectors, one mark byte per tile column.
 *
 * Memory layout: [chunk (256 KiB) | slack | tile marks (2 KiB) | frame words | slack].
 */
import { compileKernels, Op } from '../../compose/wasm-module.js';

/** pixels per chunk: 256 KiB of wasm memory (stays in the CPU's L2 cache) */
const CHUNK = 65536;
/** a vector pass may run 28 bytes past a row; this much room follows the chunk and the frame */
const SLACK = 32;
/** one byte per 32-pixel tile column of a row up to 65536 pixels */
const MARKS_AT = CHUNK * 4 + SLACK;
const MAX_TILES = 2048;
const FRAME_AT = MARKS_AT + MAX_TILES;
const PAGE = 65536;
/** the tile the compare works in (x11vnc's 32, shadow.ts' TILE_WIDTH): 128 bytes, 8 vectors per row */
export const SIMD_TILE = 32;
const TILE_BYTES = SIMD_TILE * 4;
/** byte i of four pixels ← source byte SWIZZLE[i]; 0x80 reads as 0 (the padding byte) */
const SWIZZLE = [2, 1, 0, 0x80, 6, 5, 4, 0x80, 10, 9, 8, 0x80, 14, 13, 12, 0x80];

/** rgbx(src, srcStride, rowBytes, rows): rows at src, src + srcStride, … packed into the chunk at 0 */
function rgbxFunction() {
  const [SRC, STRIDE, ROW, ROWS, D, S, E] = [0, 1, 2, 3, 4, 5, 6];
  // Each row is done in whole vectors (up to 12 bytes past it); the next row overwrites those.
  const row = [
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
  return {
    name: 'rgbx',
    params: 4,
    locals: [[3, 0x7f]] as [number, number][],
    code: rows(ROWS, SRC, STRIDE, row),
  };
}

/**
 * rgb16(src, srcStride, rowBytes, rows, rMax, gMax, bMax, rShift, gShift, bShift, swap): rows of
 * XRGB8888 at src, src + srcStride, … as packed 16-bit client pixels into the chunk at 0 (eight
 * pixels per iteration: up to 28 bytes read and 14 written past a row; the next row overwrites).
 */
function rgb16Function() {
  const [SRC, STRIDE, ROW, ROWS, RM, GM, BM, RS, GS, BS, SWAP] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const [D, S, E] = [11, 12, 13];
  const [MR, MG, MB, P, X, SW] = [14, 15, 16, 17, 18, 19];
  // round(c · max / 255) << shift for the channel at bit `from` of the pixels in P
  const channel = (from: number, max: number, shift: number) => [
    ...[...Op.get(P), ...Op.i32(from), ...Op.shrU32, ...Op.splat32(0xff), ...Op.and],
    ...[...Op.get(max), ...Op.mul32, ...Op.splat32(127), ...Op.add32, ...Op.tee(X)],
    ...[...Op.get(X), ...Op.i32(8), ...Op.shrU32, ...Op.add32, ...Op.splat32(1), ...Op.add32],
    ...[...Op.i32(8), ...Op.shrU32, ...Op.get(shift), ...Op.shl32],
  ];
  const four = (offset: number) => [
    ...[...Op.get(S), ...Op.loadAt(offset), ...Op.set(P)],
    ...[...channel(16, MR, RS), ...channel(8, MG, GS), ...Op.or, ...channel(0, MB, BS), ...Op.or],
  ];
  const row = [
    ...[...Op.get(SRC), ...Op.set(S), ...Op.get(SRC), ...Op.get(ROW), ...Op.i32Add, ...Op.set(E)],
    ...Op.block,
    ...Op.loop,
    ...[...Op.get(S), ...Op.get(E), ...Op.i32GeU, ...Op.brIf(1)],
    ...[...Op.get(D), ...four(0), ...four(16), ...Op.narrowU16, ...Op.get(SW), ...Op.swizzle, ...Op.store],
    ...[...Op.get(S), ...Op.i32(32), ...Op.i32Add, ...Op.set(S)],
    ...[...Op.get(D), ...Op.i32(16), ...Op.i32Add, ...Op.set(D)],
    ...Op.br(0),
    ...Op.end,
    ...Op.end,
    // back to the row's true end: d -= (s - e) / 2
    ...[
      ...Op.get(D),
      ...Op.get(S),
      ...Op.get(E),
      ...Op.i32Sub,
      ...Op.i32(1),
      ...Op.i32ShrU,
      ...Op.i32Sub,
      ...Op.set(D),
    ],
  ];
  const setup = [
    ...[RM, GM, BM].flatMap((m, i) => [...Op.get(m), ...Op.splatI32, ...Op.set([MR, MG, MB][i])]),
    ...Op.const16([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]),
    ...Op.const16([1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14]),
    ...[...Op.get(SWAP), ...Op.i32Eqz, ...Op.selectV128, ...Op.set(SW)],
  ];
  return {
    name: 'rgb16',
    params: 11,
    locals: [
      [3, 0x7f],
      [6, 0x7b],
    ] as [number, number][],
    code: [...setup, ...rows(ROWS, SRC, STRIDE, row)],
  };
}

/**
 * tiles(stage, frame, frameStride, tiles, rows, marks): for `rows` rows of `tiles` tile rows each,
 * staged packed at `stage` and in the frame at `frame` (+ frameStride per row), sets marks[t] = 1
 * where tile t's bytes differ.
 */
function tilesFunction() {
  const [STAGE, FRAME, STRIDE, TILES, ROWS, MARKS, A, B, M, T] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const diff = (o: number) => [...Op.get(A), ...Op.loadAt(o), ...Op.get(B), ...Op.loadAt(o), ...Op.xor];
  const anyDiff = [...diff(0), ...[1, 2, 3, 4, 5, 6, 7].flatMap((v) => [...diff(16 * v), ...Op.or])];
  const row = [
    ...[...Op.get(STAGE), ...Op.set(A), ...Op.get(FRAME), ...Op.set(B)],
    ...[...Op.get(MARKS), ...Op.set(M), ...Op.get(TILES), ...Op.set(T)],
    ...Op.block,
    ...Op.loop,
    ...[...Op.get(T), ...Op.i32Eqz, ...Op.brIf(1)],
    ...[...anyDiff, ...Op.anyTrue, ...Op.if, ...Op.get(M), ...Op.i32(1), ...Op.store8, ...Op.end],
    ...[...Op.get(A), ...Op.i32(TILE_BYTES), ...Op.i32Add, ...Op.set(A)],
    ...[...Op.get(B), ...Op.i32(TILE_BYTES), ...Op.i32Add, ...Op.set(B)],
    ...[...Op.get(M), ...Op.i32(1), ...Op.i32Add, ...Op.set(M)],
    ...[...Op.get(T), ...Op.i32(1), ...Op.i32Sub, ...Op.set(T)],
    ...Op.br(0),
    ...Op.end,
    ...Op.end,
    ...[...Op.get(A), ...Op.set(STAGE)], // staged rows are packed
  ];
  return {
    name: 'tiles',
    params: 6,
    locals: [[4, 0x7f]] as [number, number][],
    code: rows(ROWS, FRAME, STRIDE, row),
  };
}

/** `body` once per row: `count` rows, `ptr` advanced by `stride` after each. */
function rows(count: number, ptr: number, stride: number, body: number[]): number[] {
  return [
    ...Op.block,
    ...Op.loop,
    ...[...Op.get(count), ...Op.i32Eqz, ...Op.brIf(1)],
    ...body,
    ...[...Op.get(ptr), ...Op.get(stride), ...Op.i32Add, ...Op.set(ptr)],
    ...[...Op.get(count), ...Op.i32(1), ...Op.i32Sub, ...Op.set(count)],
    ...Op.br(0),
    ...Op.end,
    ...Op.end,
  ];
}

interface Exports {
  mem: { buffer: ArrayBuffer; grow(pages: number): number };
  rgbx(src: number, srcStride: number, rowBytes: number, rows: number): void;
  tiles(stage: number, frame: number, frameStride: number, tiles: number, rows: number, marks: number): void;
  rgb16(
    src: number,
    srcStride: number,
    rowBytes: number,
    rows: number,
    rMax: number,
    gMax: number,
    bMax: number,
    rShift: number,
    gShift: number,
    bShift: number,
    swap: number,
  ): void;
}

const module = compileKernels<Exports>(
  [rgbxFunction(), tilesFunction(), rgb16Function()],
  Math.ceil(FRAME_AT / PAGE),
);

/** Whether the SIMD path is available (Node ≥ 16.4 on x64 and arm64 has it). */
export const RGBX_SIMD = module !== undefined;

/** One wasm memory and the views of its chunk and marks (the memory never grows once they exist). */
class FrameMemory {
  readonly words: Uint32Array;
  readonly halfwords: Uint16Array;
  readonly stage: Buffer;
  readonly marks: Uint8Array<ArrayBuffer>;
  constructor(readonly k: Exports) {
    this.words = new Uint32Array(k.mem.buffer, 0, CHUNK);
    this.halfwords = new Uint16Array(k.mem.buffer, 0, CHUNK);
    this.stage = Buffer.from(k.mem.buffer, 0, CHUNK * 4);
    this.marks = new Uint8Array(k.mem.buffer, MARKS_AT, MAX_TILES);
  }
}

/** the kernels for sources outside wasm memory */
const shared = module && new FrameMemory(module.instantiate());
/** the memory of each `frameWords` frame → its kernels */
const owners = new WeakMap<ArrayBufferLike, FrameMemory>();

/**
 * `n` zeroed words for a frame the kernels read in place: in a wasm memory of their own when the
 * SIMD path exists (and the memory can hold them), else a plain array.
 */
export function frameWords(n: number): Uint32Array<ArrayBuffer> {
  if (module === undefined || n * 4 > 2 ** 32 - FRAME_AT - SLACK) return new Uint32Array(n);
  const k = module.instantiate();
  const have = k.mem.buffer.byteLength;
  try {
    k.mem.grow(Math.ceil((FRAME_AT + n * 4 + SLACK - have) / PAGE));
  } catch {
    return new Uint32Array(n); // the runtime refused the memory
  }
  const words = new Uint32Array(k.mem.buffer, FRAME_AT, n);
  owners.set(words.buffer, new FrameMemory(k));
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
  const { k, words } = own ?? shared!;
  const rowsPerChunk = Math.floor(CHUNK / w); // ≥ 1: RFB rects are at most 65535 wide
  for (let row = 0; row < h; row += rowsPerChunk) {
    const rows = Math.min(rowsPerChunk, h - row);
    const n = rows * w;
    if (own !== undefined) {
      // straight from the frame: rows at their stride, packed into the chunk
      k.rgbx(pixels.byteOffset + ((y + row) * stride + x) * 4, stride * 4, w * 4, rows);
    } else {
      for (let r = 0; r < rows; r++) {
        const s = (y + row + r) * stride + x;
        words.set(pixels.subarray(s, s + w), r * w);
      }
      k.rgbx(0, 0, n * 4, 1); // the chunk in place, as one row
    }
    dst.set(words.subarray(0, n), row * w);
  }
}

/**
 * Writes the `w×h` rect (w ≤ 65535) at (x, y) of `pixels` (stride in pixels) as 16-bit client
 * pixels into `dst` (rows packed). `format`: red, green and blue maxima (≤ 255), their shifts, and 1
 * to byte-swap (a big-endian client). Only call when `RGBX_SIMD`.
 */
export function rgb16Simd(
  pixels: Uint32Array,
  stride: number,
  x: number,
  y: number,
  w: number,
  h: number,
  dst: Uint16Array,
  format: readonly number[],
): void {
  const own = owners.get(pixels.buffer);
  const { k, words, halfwords } = own ?? shared!;
  const f = format;
  const rowsPerChunk = Math.floor(CHUNK / w);
  for (let row = 0; row < h; row += rowsPerChunk) {
    const rows = Math.min(rowsPerChunk, h - row);
    const n = rows * w;
    if (own !== undefined) {
      const at = pixels.byteOffset + ((y + row) * stride + x) * 4;
      k.rgb16(at, stride * 4, w * 4, rows, f[0], f[1], f[2], f[3], f[4], f[5], f[6]);
    } else {
      for (let r = 0; r < rows; r++) {
        const s = (y + row + r) * stride + x;
        words.set(pixels.subarray(s, s + w), r * w);
      }
      // in place: halfwords written behind the words read
      k.rgb16(0, 0, n * 4, 1, f[0], f[1], f[2], f[3], f[4], f[5], f[6]);
    }
    dst.set(halfwords.subarray(0, n), row * w);
  }
}

/**
 * The tile compare of a `frameWords` frame (undefined for any other array): stage rows of the
 * live frame with `stage`, then `compare` them with the frame's tiles.
 */
export class TileCompare {
  /** staged rows, packed, each `tiles × 128` bytes from the first tile's left edge */
  readonly stage: Buffer;
  /** one byte per tile column, set to 1 where a compare found a difference */
  readonly marks: Uint8Array<ArrayBuffer>;
  /** rows that fit the stage at once */
  readonly stageRows: (tiles: number) => number = (tiles) =>
    Math.min(SIMD_TILE, Math.floor(CHUNK / (tiles * SIMD_TILE)));

  private constructor(
    private readonly mem: FrameMemory,
    private readonly frame: Uint32Array,
  ) {
    this.stage = mem.stage;
    this.marks = mem.marks;
  }

  static of(frame: Uint32Array): TileCompare | undefined {
    const mem = owners.get(frame.buffer);
    return mem && new TileCompare(mem, frame);
  }

  /**
   * Compares `rows` staged rows with the frame's rows from word `at` on (stride in words; `at` on a
   * tile's left edge), `tiles` tiles each; marks the columns from `firstTile` on that differ.
   */
  compare(at: number, stride: number, tiles: number, rows: number, firstTile: number): void {
    this.mem.k.tiles(0, this.frame.byteOffset + at * 4, stride * 4, tiles, rows, MARKS_AT + firstTile);
  }
}
