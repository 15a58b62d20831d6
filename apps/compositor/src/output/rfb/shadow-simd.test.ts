import { expect } from 'chai';
import fc from 'fast-check';
import { swapRedBlueWords } from './pixel-format.js';
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
});
