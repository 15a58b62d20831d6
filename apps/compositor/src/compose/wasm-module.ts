/**
 * A few helpers to assemble tiny WebAssembly modules by hand (one function `(i32, …) → ()` plus an
 * exported memory), so SIMD kernels ship as byte arrays without a toolchain. Used by the RGBX
 * shuffle of the RFB server and the RGB565 expansion of the compositor.
 */

/** The slice of the WebAssembly JS API used here (the project's TS libs do not declare it). */
declare const WebAssembly: {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: object };
};

export function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

/** Signed LEB128 for `i32.const` immediates. */
export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const section = (id: number, bytes: number[]) => [id, ...leb(bytes.length), ...bytes];
const name = (s: string) => [s.length, ...Buffer.from(s, 'latin1')];

/** Opcodes used by the kernels (SIMD ones after the 0xfd prefix, LEB128-encoded). */
export const Op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  br: (depth: number) => [0x0c, depth],
  brIf: (depth: number) => [0x0d, depth],
  get: (i: number) => [0x20, i],
  set: (i: number) => [0x21, i],
  tee: (i: number) => [0x22, i],
  i32: (v: number) => [0x41, ...sleb(v)],
  i32Add: [0x6a],
  i32Sub: [0x6b],
  i32Eqz: [0x45],
  i32ShrU: [0x76],
  i32GeU: [0x4f],
  /** if (i32 on the stack ≠ 0) … end */
  if: [0x04, 0x40],
  /** i32.store8 at the address below the value */
  store8: [0x3a, 0x00, 0x00],
  load: [0xfd, 0x00, 0x04, 0x00],
  /** v128.load from the address + a constant offset */
  loadAt: (offset: number) => [0xfd, 0x00, 0x04, ...leb(offset)],
  store: [0xfd, 0x0b, 0x04, 0x00],
  /** v128.const with four equal i32 lanes */
  splat32: (v: number) => [
    0xfd,
    0x0c,
    ...[0, 1, 2, 3].flatMap(() => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24]),
  ],
  const16: (bytes: number[]) => [0xfd, 0x0c, ...bytes],
  /** i8x16.swizzle: lane i = a[b[i]], 0 where b[i] ≥ 16 (one byte shuffle instruction on x64) */
  swizzle: [0xfd, 0x0e],
  shuffle: (lanes: number[]) => [0xfd, 0x0d, ...lanes],
  and: [0xfd, 0x4e],
  or: [0xfd, 0x50],
  xor: [0xfd, 0x51],
  /** v128.any_true: 1 when any bit is set */
  anyTrue: [0xfd, 0x53],
  extendLowU16: [0xfd, ...leb(0xa9)],
  extendHighU16: [0xfd, ...leb(0xaa)],
  shl32: [0xfd, ...leb(0xab)],
  shrU32: [0xfd, ...leb(0xad)],
  add32: [0xfd, ...leb(0xae)],
  mul32: [0xfd, ...leb(0xb5)],
  /** i32x4.splat of the i32 on the stack */
  splatI32: [0xfd, 0x11],
  /** i16x8.narrow_i32x4_u: eight i32 lanes of two vectors → eight u16 (saturating) */
  narrowU16: [0xfd, ...leb(0x86)],
  /** select between two v128 by an i32 (typed select) */
  selectV128: [0x1c, 1, 0x7b],
} as const;

export interface Kernel {
  mem: { buffer: ArrayBuffer; grow(pages: number): number };
  run(...args: number[]): void;
}

/** One exported function: `params` i32s (locals 0 …), then `locals` ([count, type] pairs: 0x7f i32, 0x7b v128). */
export interface KernelFunction {
  name: string;
  params: number;
  locals: [number, number][];
  code: number[];
}

/** A compiled module: each `instantiate()` gets its own memory of the module's initial size. */
export interface KernelModule<K = Kernel> {
  instantiate(): K;
}

/**
 * Builds and compiles a module exporting `mem` (`pages` of 64 KiB) and `functions`, all working on
 * that one memory. Undefined when this runtime has no WebAssembly SIMD.
 */
export function compileKernels<K>(functions: KernelFunction[], pages: number): KernelModule<K> | undefined {
  const types = functions.flatMap((f) => [0x60, f.params, ...new Array<number>(f.params).fill(0x7f), 0]);
  const bodies = functions.map((f) => {
    const body = [f.locals.length, ...f.locals.flatMap(([n, t]) => [...leb(n), t]), ...f.code, ...Op.end];
    return [...leb(body.length), ...body];
  });
  const exports = functions.flatMap((f, i) => [...name(f.name), 0, i]);
  const bytes = new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, [functions.length, ...types]), // function i has type i: (i32, …) → ()
    ...section(3, [functions.length, ...functions.map((_, i) => i)]),
    ...section(5, [1, 0, ...leb(pages)]),
    ...section(7, [functions.length + 1, ...name('mem'), 2, 0, ...exports]),
    ...section(10, [functions.length, ...bodies.flat()]),
  ]);
  try {
    if (!WebAssembly.validate(bytes)) return undefined;
    const module = new WebAssembly.Module(bytes);
    const instantiate = () => new WebAssembly.Instance(module).exports as K;
    instantiate(); // a runtime that validates but cannot instantiate has no usable kernel
    return { instantiate };
  } catch {
    return undefined;
  }
}

/** One function `run` taking `params` i32s (locals 0 …), with `locals` after them. */
export function compileKernel(
  locals: [number, number][],
  code: number[],
  pages: number,
  params = 1,
): KernelModule | undefined {
  return compileKernels<Kernel>([{ name: 'run', params, locals, code }], pages);
}

/** `compileKernel` with one instance. */
export function instantiateKernel(
  locals: [number, number][],
  code: number[],
  pages: number,
  params = 1,
): Kernel | undefined {
  return compileKernel(locals, code, pages, params)?.instantiate();
}
