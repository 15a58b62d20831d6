import { expect } from 'chai';
import fc from 'fast-check';
import { PixelConverter, type PixelFormat, swapRedBlueWords, unsupportedReason } from './pixel-format.js';
import { frameWords, RGBX_SIMD, swapRedBlueSimd } from './shadow-simd.js';

/** R,G,B,0 of one XRGB8888 word, byte by byte: the definition both paths must meet. */
function rgbx(p: number): number {
  const [r, g, b] = [(p >>> 16) & 0xff, (p >>> 8) & 0xff, p & 0xff];
  return (r | (g << 8) | (b << 16)) >>> 0;
}

describe('XRGB8888 → RGBX (noVNC) conversion', () => {
  it('WebAssembly SIMD is available in this Node (the fast path the benchmarks measure)', () => {
    expect(RGBX_SIMD).to.equal(true);
  });

  it('a frame from frameWords lives in wasm memory of its own, zeroed, after a chunk', () => {
    const a = frameWords(1000);
    const b = frameWords(1000);
    expect(a.buffer).to.not.equal(b.buffer);
    expect(a.byteOffset).to.be.greaterThan(0);
    expect(a.every((v) => v === 0)).to.equal(true);
    expect(a.buffer.constructor.name).to.equal('ArrayBuffer');
  });

  it('the SIMD shuffle (from any array or in place from a wasm frame) and the JavaScript word loop all give R,G,B,0 for any rect of any frame', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 700 }),
        fc.integer({ min: 1, max: 200 }),
        fc.nat(40),
        fc.integer({ min: 1, max: 1 << 30 }),
        fc.nat(),
        fc.nat(),
        (width, height, pad, seed, a, b) => {
          const stride = width + pad;
          const pixels = new Uint32Array(stride * height).map(
            (_, i) => Math.imul(i + seed, 2654435761) >>> 0,
          );
          const src = { width, height, stride, pixels };
          const x = a % width;
          const y = b % height;
          const w = 1 + ((a >>> 8) % (width - x));
          const h = 1 + ((b >>> 8) % (height - y));
          const expected = new Uint32Array(w * h);
          for (let row = 0; row < h; row++)
            for (let col = 0; col < w; col++)
              expected[row * w + col] = rgbx(pixels[(y + row) * stride + x + col]);
          const simd = new Uint32Array(w * h + 1).fill(0xdeadbeef);
          swapRedBlueSimd(pixels, stride, x, y, w, h, simd);
          const inWasm = frameWords(pixels.length);
          inWasm.set(pixels);
          const direct = new Uint32Array(w * h + 1).fill(0xdeadbeef);
          swapRedBlueSimd(inWasm, stride, x, y, w, h, direct);
          const js = new Uint32Array(w * h);
          swapRedBlueWords(src, x, y, w, h, js);
          expect(simd.subarray(0, w * h)).to.deep.equal(expected);
          expect(simd[w * h]).to.equal(0xdeadbeef, 'nothing written past the rect');
          expect(direct.subarray(0, w * h)).to.deep.equal(expected);
          expect(direct[w * h]).to.equal(0xdeadbeef, 'nothing written past the rect');
          expect(inWasm).to.deep.equal(pixels, 'the frame itself is left alone');
          expect(js).to.deep.equal(expected);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("16 bpp: the SIMD kernel (from any array, and in place from a wasm frame) gives the lookup tables' pixels for any 16-bit format and rect", () => {
    const channel = fc
      .integer({ min: 1, max: 255 })
      .chain((max) => fc.tuple(fc.constant(max), fc.nat(16 - Math.ceil(Math.log2(max + 1)))));
    fc.assert(
      fc.property(
        fc.tuple(channel, channel, channel, fc.boolean()),
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1, max: 60 }),
        fc.nat(9),
        fc.nat(),
        fc.nat(),
        ([[rMax, rShift], [gMax, gShift], [bMax, bShift], bigEndian], width, height, pad, a, b) => {
          const pf: PixelFormat = {
            ...{ bitsPerPixel: 16, depth: 16, bigEndian, trueColour: true },
            ...{
              redMax: rMax,
              greenMax: gMax,
              blueMax: bMax,
              redShift: rShift,
              greenShift: gShift,
              blueShift: bShift,
            },
          };
          expect(unsupportedReason(pf)).to.equal(undefined);
          const stride = width + pad;
          const pixels = new Uint32Array(stride * height).map((_, i) => Math.imul(i + a, 2654435761) >>> 0);
          const x = a % width;
          const y = b % height;
          const w = 1 + ((a >>> 8) % (width - x));
          const h = 1 + ((b >>> 8) % (height - y));
          const conv = new PixelConverter(pf);
          const tables = new Uint32Array(w * h);
          conv.convertWords({ width, height, stride, pixels }, x, y, w, h, tables); // the lookup tables
          const inWasm = frameWords(pixels.length);
          inWasm.set(pixels);
          for (const source of [pixels, inWasm]) {
            const out = new Uint8Array(w * h * 2 + 2).fill(0xee);
            conv.convertRect({ width, height, stride, pixels: source }, x, y, w, h, out, 0);
            expect([...new Uint16Array(out.buffer, 0, w * h)]).to.deep.equal(
              [...tables].map((v) => v & 0xffff),
            );
            expect([out[w * h * 2], out[w * h * 2 + 1]]).to.deep.equal(
              [0xee, 0xee],
              'nothing written past the rect',
            );
          }
        },
      ),
      { numRuns: 120 },
    );
  });
});
