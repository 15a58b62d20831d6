import { check } from '@fbemu/gem-shmem';
import { PIXEL_FORMATS, type PixelFormat } from './format.js';
import { Rect } from './rect.js';

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** EINVAL unless `s` is an `FbSurface`: every drawing and conversion entry point starts here. */
export function checkSurface(s: unknown, what: string): asserts s is FbSurface {
  check(s instanceof FbSurface, 'EINVAL', `${what} must be an FbSurface`);
}

/**
 * A linear framebuffer in memory: `height` rows of `pitch` bytes (`line_length`, which may exceed
 * `width · cpp`), pixels in `format`. Word views are made once, here, so drawing and conversion
 * loops never build views per row; `u32`/`u16` exist only when every pixel is word aligned.
 */
export class FbSurface {
  readonly u32: Uint32Array | undefined;
  readonly u16: Uint16Array | undefined;
  /** the whole surface as a rect, for clipping */
  readonly bounds: Rect;

  constructor(
    readonly bytes: Uint8Array,
    readonly width: number,
    readonly height: number,
    readonly pitch: number,
    readonly format: PixelFormat,
  ) {
    check(bytes instanceof Uint8Array, 'EINVAL', 'surface bytes must be a Uint8Array');
    check(PIXEL_FORMATS.includes(format), 'EINVAL', `surface format must be one of the pixel formats`);
    for (const [n, what] of [
      [width, 'width'],
      [height, 'height'],
      [pitch, 'pitch'],
    ] as const) {
      check(
        Number.isSafeInteger(n) && n > 0,
        'EINVAL',
        `surface ${what} must be a positive integer, got ${n}`,
      );
    }
    check(pitch >= width * format.cpp, 'EINVAL', `pitch ${pitch} < width ${width} × cpp ${format.cpp}`);
    check(
      bytes.length >= pitch * (height - 1) + width * format.cpp,
      'EINVAL',
      `${bytes.length} bytes cannot hold ${height} rows of pitch ${pitch}`,
    );
    this.bounds = new Rect(0, 0, width, height);
    this.u32 = this.wordView(4, Uint32Array);
    this.u16 = this.wordView(2, Uint16Array);
  }

  get cpp(): number {
    return this.format.cpp;
  }

  /** Byte offset of pixel (x, y). */
  offsetOf(x: number, y: number): number {
    return y * this.pitch + x * this.format.cpp;
  }

  private wordView<T>(
    size: number,
    Ctor: new (b: ArrayBufferLike, o: number, n: number) => T,
  ): T | undefined {
    const { bytes, pitch, format } = this;
    if (!LITTLE_ENDIAN || format.cpp !== size || bytes.byteOffset % size !== 0 || pitch % size !== 0)
      return undefined;
    return new Ctor(bytes.buffer, bytes.byteOffset, Math.floor(bytes.length / size));
  }
}
