import { expect } from 'chai';
import fc from 'fast-check';
import {
  AC_CHROMA,
  AC_LUMA,
  DC_CHROMA,
  DC_LUMA,
  fdct,
  type HuffmanSpec,
  JpegEncoder,
  scaledQuant,
  ZIGZAG,
} from './jpeg.js';
import { ffmpegDecodeJpeg, psnr } from './test-jpeg.js';
import { photoPixel } from './test-scenarios.js';

/** The DCT as T.81 A.3.3 defines it: F(u,v) = ¼ C(u) C(v) Σ f(x,y) cos((2x+1)uπ/16) cos((2y+1)vπ/16). */
function definitionDct(f: Float64Array): Float64Array {
  const out = new Float64Array(64);
  const c = (k: number) => (k === 0 ? Math.SQRT1_2 : 1);
  for (let v = 0; v < 8; v++)
    for (let u = 0; u < 8; u++) {
      let sum = 0;
      for (let y = 0; y < 8; y++)
        for (let x = 0; x < 8; x++)
          sum +=
            f[y * 8 + x] *
            Math.cos(((2 * x + 1) * u * Math.PI) / 16) *
            Math.cos(((2 * y + 1) * v * Math.PI) / 16);
      out[v * 8 + u] = 0.25 * c(u) * c(v) * sum;
    }
  return out;
}

function photo(w: number, h: number, seed = 1): Uint32Array {
  const words = new Uint32Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) words[y * w + x] = photoPixel(x, y, seed);
  return words;
}

describe('JPEG encoder: parts', () => {
  it('the fast DCT is the definition, scaled by AAN factors × 8', () => {
    const s = (k: number) => (k === 0 ? 1 : Math.cos((k * Math.PI) / 16) * Math.SQRT2);
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -128, max: 127 }), { minLength: 64, maxLength: 64 }),
        (samples) => {
          const block = Float64Array.from(samples);
          const expected = definitionDct(block);
          fdct(block);
          for (let i = 0; i < 64; i++)
            expect(block[i] / (8 * s(i >> 3) * s(i & 7))).to.be.closeTo(
              expected[i],
              0.01,
              `coefficient ${i}`,
            );
        },
      ),
      { numRuns: 50 },
    );
  });

  it('zig-zag order: a permutation that walks the anti-diagonals (T.81 figure 5)', () => {
    expect([...ZIGZAG.subarray(0, 10)]).to.deep.equal([0, 1, 8, 16, 9, 2, 3, 10, 17, 24]);
    expect([...ZIGZAG.subarray(60)]).to.deep.equal([47, 55, 62, 63]);
    expect(new Set(ZIGZAG).size).to.equal(64);
    for (let i = 1; i < 64; i++) {
      const [a, b] = [ZIGZAG[i - 1], ZIGZAG[i]];
      const dist = Math.max(Math.abs((a >> 3) - (b >> 3)), Math.abs((a & 7) - (b & 7)));
      expect(dist, `step ${i}`).to.equal(1);
    }
  });

  it('quality scaling: 50 is the Annex K table, 100 all ones, low qualities clamp at 255', () => {
    const base = Array.from({ length: 64 }, (_, i) => 10 + i * 3);
    expect([...scaledQuant(base, 50)]).to.deep.equal(base);
    expect([...scaledQuant(base, 100)].every((v) => v === 1)).to.equal(true);
    expect([...scaledQuant(base, 1)].every((v) => v === 255)).to.equal(true);
    expect(scaledQuant(base, 75)[0]).to.equal(5); // 10 × 50 / 100
    expect(scaledQuant(base, 25)[0]).to.equal(20); // 10 × 200 / 100
  });

  const specs: [string, HuffmanSpec, number[]][] = [
    ['DC luminance', DC_LUMA, [...Array(12).keys()]],
    ['DC chrominance', DC_CHROMA, [...Array(12).keys()]],
    [
      'AC luminance',
      AC_LUMA,
      [0x00, 0xf0, ...Array.from({ length: 160 }, (_, i) => ((i / 10) << 4) | ((i % 10) + 1))],
    ],
    [
      'AC chrominance',
      AC_CHROMA,
      [0x00, 0xf0, ...Array.from({ length: 160 }, (_, i) => ((i / 10) << 4) | ((i % 10) + 1))],
    ],
  ];
  for (const [name, spec, alphabet] of specs) {
    it(`${name} Huffman table: every symbol once, a prefix code with no all-ones code`, () => {
      expect(spec.counts).to.have.length(16);
      expect(spec.counts.reduce((a, b) => a + b)).to.equal(spec.symbols.length);
      expect([...spec.symbols].sort((a, b) => a - b)).to.deep.equal([...alphabet].sort((a, b) => a - b));
      // Kraft sum below 1: room is left, so no code is all 1-bits (T.81 C.2)
      const kraft = spec.counts.reduce((sum, n, i) => sum + n / 2 ** (i + 1), 0);
      expect(kraft).to.be.lessThan(1);
    });
  }
});

describe('JPEG encoder: decoded by ffmpeg', () => {
  const encoder = new JpegEncoder();
  // Lower bounds on a continuous-tone image; a wrong table, block order or edge would fall far below.
  const cases: [quality: number, subsample: boolean, minDb: number][] = [
    [15, true, 26],
    [42, true, 30],
    [79, false, 34],
    [100, false, 48],
  ];
  for (const [w, h] of [
    [1, 1],
    [7, 13],
    [8, 8],
    [16, 16],
    [17, 9],
    [33, 47],
    [100, 37],
    [257, 130],
  ]) {
    it(`${w}×${h}: exact size, and PSNR above the bound of each quality`, () => {
      const src = photo(w, h, w + h);
      for (const [quality, subsample, minDb] of cases) {
        const img = ffmpegDecodeJpeg(encoder.encode(src, w, w, h, quality, subsample));
        expect([img.width, img.height]).to.deep.equal([w, h]);
        expect(psnr(img.pixels, src), `quality ${quality}`).to.be.above(minDb);
      }
    });
  }

  it('reads rows `stride` apart and nothing past them', () => {
    const [w, h, stride] = [20, 11, 29];
    const words = new Uint32Array(stride * h).fill(0xff00ff); // magenta padding would bleed in if read
    const packed = photo(w, h);
    for (let y = 0; y < h; y++) words.set(packed.subarray(y * w, (y + 1) * w), y * stride);
    const img = ffmpegDecodeJpeg(encoder.encode(words, stride, w, h, 92, false));
    expect(psnr(img.pixels, packed)).to.be.above(40);
  });

  it('higher quality levels cost more bytes and lose less', () => {
    const src = photo(128, 96);
    let last = { bytes: 0, db: 0 };
    for (const quality of [15, 41, 62, 86, 100]) {
      const data = encoder.encode(src, 128, 128, 96, quality, false).slice();
      const db = psnr(ffmpegDecodeJpeg(data).pixels, src);
      expect(data.length).to.be.above(last.bytes);
      expect(db).to.be.above(last.db);
      last = { bytes: data.length, db };
    }
  });

  it('flat colours survive exactly enough to stay that colour (a grey, black, white, saturated red)', () => {
    for (const colour of [0x808080, 0x000000, 0xffffff, 0xff0000]) {
      const img = ffmpegDecodeJpeg(
        encoder.encode(new Uint32Array(24 * 16).fill(colour), 24, 24, 16, 100, false),
      );
      for (const v of img.pixels)
        for (let shift = 0; shift < 24; shift += 8)
          expect(Math.abs(((v >>> shift) & 0xff) - ((colour >>> shift) & 0xff))).to.be.at.most(2);
    }
  });

  it('refuses sizes outside the words and empty images (RangeError, nothing written)', () => {
    const words = new Uint32Array(10);
    expect(() => encoder.encode(words, 5, 5, 3, 50, false)).to.throw(RangeError);
    expect(() => encoder.encode(words, 4, 5, 2, 50, false)).to.throw(RangeError);
    expect(() => encoder.encode(words, 5, 0, 1, 50, false)).to.throw(RangeError);
    expect(() => encoder.encode(words, 5, 5, 2, 50, false)).not.to.throw();
  });
});
