import { expect } from 'chai';
import fc from 'fast-check';
import { ShadowFrame, TILE_HEIGHT, TILE_WIDTH } from './shadow.js';
import { RGBX_SIMD } from './shadow-simd.js';

/** The changed tiles of `[x1,x2)×[y1,y2)` clipped to it, pixel by pixel: what refine must report. */
function expectedTiles(
  a: Uint32Array,
  b: Uint32Array,
  stride: number,
  [x1, y1, x2, y2]: number[],
): Set<string> {
  const tiles = new Set<string>();
  for (let y = y1; y < y2; y++)
    for (let x = x1; x < x2; x++)
      if (a[y * stride + x] !== b[y * stride + x])
        tiles.add(`${Math.floor(x / TILE_WIDTH)},${Math.floor(y / TILE_HEIGHT)}`);
  return tiles;
}

/** Every pixel of the region, as the set of tiles it touches (regions of refine are tile-aligned inside the rect). */
function regionTiles(shadow: ShadowFrame, fb: { pixels: Uint32Array }, rect: number[]) {
  const tiles = new Set<string>();
  let area = 0;
  const [x1, y1, x2, y2] = rect;
  shadow.refine(fb as never, x1, y1, x2, y2).forEachRect((rx1, ry1, rx2, ry2) => {
    area += (rx2 - rx1) * (ry2 - ry1);
    for (let y = ry1; y < ry2; y++)
      for (let x = rx1; x < rx2; x++)
        tiles.add(`${Math.floor(x / TILE_WIDTH)},${Math.floor(y / TILE_HEIGHT)}`);
  });
  return { tiles, area };
}

describe('ShadowFrame.refine (the server copy of the frame)', () => {
  it('keeps its copy in wasm memory, rows padded to whole tiles, when WebAssembly SIMD exists', () => {
    expect(RGBX_SIMD).to.equal(true);
    const shadow = new ShadowFrame();
    shadow.reset({ width: 70, height: 3, stride: 80, pixels: new Uint32Array(240).fill(7) });
    expect(shadow.stride).to.equal(96);
    expect(shadow.pixels.buffer.constructor.name).to.equal('ArrayBuffer');
    expect(shadow.pixels.byteOffset).to.be.greaterThan(0);
    expect([...shadow.pixels.subarray(0, 70)].every((p) => p === 7)).to.equal(true);
  });

  it('whole rows of a frame as wide as whole tiles (staged in one copy per band): exactly the changed tiles', () => {
    const [width, height] = [96, 70];
    const before = new Uint32Array(width * height).map((_, i) => i);
    const after = before.slice();
    for (const i of [5, 40 * width + 70, 69 * width + 95]) after[i] ^= 0x10101;
    const shadow = new ShadowFrame();
    const fb = { width, height, stride: width, pixels: before.slice() };
    shadow.reset(fb);
    fb.pixels.set(after);
    const got = regionTiles(shadow, fb, [0, 0, width, height]);
    expect([...got.tiles].sort()).to.deep.equal(['0,0', '2,1', '2,2']);
    expect(got.area).to.equal(32 * 32 * 2 + 32 * 6);
    const back = new Uint32Array(width * height);
    for (let y = 0; y < height; y++)
      back.set(shadow.pixels.subarray(y * shadow.stride, y * shadow.stride + width), y * width);
    expect(back).to.deep.equal(after);
  });

  it('property: the SIMD compare and the JavaScript compare report exactly the changed tiles (clipped to the rect) and take them over', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 150 }),
        fc.integer({ min: 1, max: 90 }),
        fc.nat(9),
        fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 12 }),
        fc.tuple(fc.nat(), fc.nat(), fc.nat(), fc.nat()),
        (width, height, pad, changes, [a, b, c, d]) => {
          const stride = width + pad;
          const before = new Uint32Array(stride * height).map((_, i) => Math.imul(i + 1, 2654435761) >>> 0);
          const after = before.slice();
          for (const [i, v] of changes) after[i % after.length] = v >>> 0;
          const x1 = a % width;
          const y1 = b % height;
          const rect = [x1, y1, x1 + 1 + (c % (width - x1)), y1 + 1 + (d % (height - y1))];
          const want = expectedTiles(before, after, stride, rect);
          for (const simd of [true, false]) {
            const shadow = new ShadowFrame(simd);
            const fb = { width, height, stride, pixels: before.slice() };
            shadow.reset(fb);
            fb.pixels.set(after);
            const got = regionTiles(shadow, fb, rect);
            expect([...got.tiles].sort(), `simd ${simd}`).to.deep.equal([...want].sort());
            // the copy took over exactly those tiles within the rect
            let wrong = 0;
            for (let y = 0; y < height; y++)
              for (let x = 0; x < width; x++) {
                const inRect = x >= rect[0] && x < rect[2] && y >= rect[1] && y < rect[3];
                const tile = `${Math.floor(x / TILE_WIDTH)},${Math.floor(y / TILE_HEIGHT)}`;
                const source = inRect && want.has(tile) ? after : before;
                if (shadow.pixels[y * shadow.stride + x] !== source[y * stride + x]) wrong++;
              }
            expect(wrong, `simd ${simd}: pixels of the copy that are wrong`).to.equal(0);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
