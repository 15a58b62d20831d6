/**
 * XRGB8888 → noVNC's R,G,B,X bytes with WebAssembly SIMD: one `i8x16.shuffle` moves four pixels
 * (red and blue exchange bytes, the padding byte becomes 0). Wasm code can only read its own
 * memory, so rows are copied in by chunks of 64 Ki pixels (a chunk stays in the CPU cache),
 * shuffled in place, and copied out: two `TypedArray.set` and one vector pass, against one word op
 * per pixel in JavaScript.
 *
 * The module is 120 bytes, assembled by hand (the text form is beside each part).
 */

const LANES = [2, 1, 0, 16, 6, 5, 4, 16, 10, 9, 8, 16, 14, 13, 12, 16]; // lane ≥ 16 reads the zero vector

function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

const section = (id: number, bytes: number[]) => [id, ...leb(bytes.length), ...bytes];
const name = (s: string) => [s.length, ...Buffer.from(s, 'latin1')];

// (func $swap (param $n i32) (local $p i32)
//   (block (loop
//     (br_if 1 (i32.ge_u (local.get $p) (local.get $n)))
//     (v128.store (local.get $p) (i8x16.shuffle LANES (v128.load (local.get $p)) (v128.const 0)))
//     (local.set $p (i32.add (local.get $p) (i32.const 16)))
//     (br 0))))
const BODY = [
  ...[0x01, 0x01, 0x7f], // one local i32
  ...[0x02, 0x40, 0x03, 0x40], // block, loop
  ...[0x20, 0x01, 0x20, 0x00, 0x4f, 0x0d, 0x01], // p >= n → br_if 1
  ...[0x20, 0x01], // address for the store
  ...[0x20, 0x01, 0xfd, 0x00, 0x04, 0x00], // v128.load align=16
  ...[0xfd, 0x0c, ...new Array<number>(16).fill(0)], // v128.const 0
  ...[0xfd, 0x0d, ...LANES], // i8x16.shuffle
  ...[0xfd, 0x0b, 0x04, 0x00], // v128.store
  ...[0x20, 0x01, 0x41, 0x10, 0x6a, 0x21, 0x01], // p += 16
  ...[0x0c, 0x00, 0x0b, 0x0b, 0x0b], // br 0, end loop, end block, end func
];

const MODULE = new Uint8Array([
  ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
  ...section(1, [1, 0x60, 1, 0x7f, 0]), // type (i32) → ()
  ...section(3, [1, 0]), // one function of that type
  ...section(5, [1, 0, 1]), // one memory, 1 page at first
  ...section(7, [2, ...name('mem'), 2, 0, ...name('swap'), 0, 0]),
  ...section(10, [1, ...leb(BODY.length), ...BODY]),
]);

/** pixels per chunk: 256 KiB of wasm memory */
const CHUNK = 65536;

/** The slice of the WebAssembly JS API used here (the project's TS libs do not declare it). */
declare const WebAssembly: {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: object };
};

interface Swapper {
  mem: { buffer: ArrayBuffer; grow(pages: number): number };
  swap(bytes: number): void;
}

function instantiate(): Swapper | undefined {
  try {
    if (!WebAssembly.validate(MODULE)) return undefined;
    const instance = new WebAssembly.Instance(new WebAssembly.Module(MODULE));
    const exports = instance.exports as unknown as Swapper;
    exports.mem.grow((CHUNK * 4) / 65536 - 1);
    return exports;
  } catch {
    return undefined; // no WebAssembly SIMD here: the JavaScript word loop is used
  }
}

const swapper = instantiate();
/** the chunk as words (the memory never grows again, so the view stays valid) */
const chunkWords = swapper && new Uint32Array(swapper.mem.buffer, 0, CHUNK);

/** Whether the SIMD path is available (Node ≥ 16.4 on x64 and arm64 has it). */
export const RGBX_SIMD = swapper !== undefined;

/**
 * Writes the `w×h` rect (w ≤ 65535) at (x, y) of `pixels` (stride in pixels) as R,G,B,0 bytes into `dst` (one
 * word per pixel, rows packed). Only call when `RGBX_SIMD`.
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
  const { swap } = swapper!;
  const words = chunkWords!;
  const rowsPerChunk = Math.floor(CHUNK / w); // ≥ 1: RFB rects are at most 65535 wide
  for (let row = 0; row < h; row += rowsPerChunk) {
    const rows = Math.min(rowsPerChunk, h - row);
    for (let r = 0; r < rows; r++) {
      const s = (y + row + r) * stride + x;
      words.set(pixels.subarray(s, s + w), r * w);
    }
    const n = rows * w;
    swap((n * 4 + 15) & ~15);
    dst.set(words.subarray(0, n), row * w);
  }
}
