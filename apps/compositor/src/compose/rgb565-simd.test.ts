import { RGB565 } from '@fbemu/drm-fb-helper';
import { expect } from 'chai';
import fc from 'fast-check';
import { RGB565_SIMD, rgb565ToXrgb8888Simd } from './rgb565-simd.js';

describe('RGB565 → XRGB8888 with WebAssembly SIMD', () => {
  it('is available in this Node (the path the compose benchmark measures)', () => {
    expect(RGB565_SIMD).to.equal(true);
  });

  it("expands all 65536 values exactly as drm-fb-helper's RGB565 unpack", () => {
    const src = new Uint16Array(65536).map((_, i) => i);
    const out = new Uint32Array(65536);
    rgb565ToXrgb8888Simd(src, 256, 0, 0, 256, 256, out, 256, 0, 0);
    const wrong = [...out.keys()].filter((i) => out[i] !== RGB565.unpack(i) >>> 0);
    expect(wrong.slice(0, 5)).to.deep.equal([]);
  });

  it('writes exactly the rect, at any strides and offsets (nothing around it changes)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 600 }),
        fc.integer({ min: 1, max: 300 }),
        fc.nat(9),
        fc.nat(),
        fc.nat(),
        (w, h, pad, a, b) => {
          const srcStride = w + pad + 3;
          const src = new Uint16Array(srcStride * (h + 2)).map((_, i) => Math.imul(i, 40503) >>> 16);
          const [sx, sy] = [a % (pad + 4), b % 3];
          const outStride = w + 5;
          const out = new Uint32Array(outStride * (h + 4)).fill(0x12345678);
          const [dx, dy] = [(a >>> 4) % 6, (b >>> 4) % 5];
          rgb565ToXrgb8888Simd(src, srcStride, sx, sy, w, Math.min(h, h + 2 - sy), out, outStride, dx, dy);
          const rows = Math.min(h, h + 2 - sy);
          for (let y = 0; y < h + 4; y++)
            for (let x = 0; x < outStride; x++) {
              const inside = x >= dx && x < dx + w && y >= dy && y < dy + rows;
              const want = inside
                ? RGB565.unpack(src[(sy + y - dy) * srcStride + sx + x - dx]) >>> 0
                : 0x12345678;
              if (out[y * outStride + x] !== want) expect.fail(`pixel (${x}, ${y})`);
            }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('rows wider than its 64 Ki-pixel chunk are done in pieces', () => {
    const w = 70_001;
    const src = new Uint16Array(w * 2).map((_, i) => Math.imul(i, 2654435761) >>> 16);
    const out = new Uint32Array(w * 2);
    rgb565ToXrgb8888Simd(src, w, 0, 0, w, 2, out, w, 0, 0);
    const wrong = [...out.keys()].filter((i) => out[i] !== RGB565.unpack(src[i]) >>> 0);
    expect(wrong.slice(0, 5)).to.deep.equal([]);
  });
});
