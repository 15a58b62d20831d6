import fc from 'fast-check';
import { PIXEL_FORMATS, type PixelFormat } from './format.js';
import { FbSurface } from './surface.js';

/**
 * Test helpers shared by the suites (compiled with the package, imported only by tests): a
 * seeded byte filler and an arbitrary for small surfaces with pitch padding in every format.
 */

export function fillSeeded(bytes: Uint8Array, seed: number): Uint8Array {
  let s = seed | 0;
  for (let i = 0; i < bytes.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) | 0;
    bytes[i] = s >>> 24;
  }
  return bytes;
}

export interface SurfaceSpec {
  format: PixelFormat;
  width: number;
  height: number;
  pitch: number;
}

export const arbSurfaceSpec: fc.Arbitrary<SurfaceSpec> = fc
  .record({
    format: fc.constantFrom(...PIXEL_FORMATS),
    width: fc.integer({ min: 1, max: 24 }),
    height: fc.integer({ min: 1, max: 12 }),
    padPixels: fc.nat(3),
    padBytes: fc.constantFrom(0, 0, 1, 4),
  })
  .map(({ format, width, height, padPixels, padBytes }) => ({
    format,
    width,
    height,
    pitch: (width + padPixels) * format.cpp + padBytes,
  }));

export function makeSurface(spec: SurfaceSpec, seed: number): FbSurface {
  const bytes = fillSeeded(new Uint8Array(spec.pitch * spec.height), seed);
  return new FbSurface(bytes, spec.width, spec.height, spec.pitch, spec.format);
}

/** Raw pixel (x, y) read byte by byte, independent of the code under test. */
export function pixelAt(s: FbSurface, x: number, y: number): number {
  const o = y * s.pitch + x * s.format.cpp;
  let v = 0;
  for (let b = s.format.cpp - 1; b >= 0; b--) v = v * 256 + s.bytes[o + b];
  return v;
}

/** Byte index → pixel (x, y) or undefined for padding. */
export function pixelOfByte(s: FbSurface, i: number): [number, number] | undefined {
  const y = Math.floor(i / s.pitch);
  const x = Math.floor((i % s.pitch) / s.format.cpp);
  return x < s.width ? [x, y] : undefined;
}
