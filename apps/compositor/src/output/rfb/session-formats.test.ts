import 'reflect-metadata';
import { Rect } from '@fbemu/drm-fb-helper';
import { expect } from 'chai';
import fc from 'fast-check';
import { encodePixelFormat, PixelConverter, type PixelFormat } from './pixel-format.js';
import { Encoding } from './protocol.js';
import { DecodingClient, type WireLayout } from './test-decoders.js';
import { paint, paintRect } from './test-scenarios.js';
import { MemoryTransport, makeFrame, NOVNC_RGBX, RGB565_BE, RGB565_LE, startServer } from './test-support.js';

const BGR233: PixelFormat = {
  ...RGB565_LE,
  bitsPerPixel: 8,
  depth: 8,
  redMax: 7,
  greenMax: 7,
  blueMax: 3,
  redShift: 0,
  greenShift: 3,
  blueShift: 6,
};

/** Formats whose conversion reads the server's copy of the frame in place (RGBX, 16 bpp SIMD) or through tables. */
const LAYOUTS: [string, WireLayout][] = [
  ['RGB565 LE', { pf: RGB565_LE, cpixel: [2, 0], tpixelRgb: false }],
  ['RGB565 BE', { pf: RGB565_BE, cpixel: [2, 0], tpixelRgb: false }],
  ['RGBX', { pf: NOVNC_RGBX, cpixel: [3, 0], tpixelRgb: true }],
  ['BGR233', { pf: BGR233, cpixel: [1, 0], tpixelRgb: false }],
];

/** The frame in the client's pixel words, padding bits cleared: what Raw shows. */
function expected(
  conv: PixelConverter,
  f: { width: number; height: number; stride: number; pixels: Uint32Array },
) {
  const out = new Uint32Array(f.width * f.height);
  conv.convertWords(f, 0, 0, f.width, f.height, out);
  return out;
}

const step = fc.record({
  encoding: fc.constantFrom(Encoding.Raw, Encoding.Hextile, Encoding.ZRLE, Encoding.Tight),
  rects: fc.array(fc.tuple(fc.nat(), fc.nat(), fc.nat(), fc.nat(), paint), { minLength: 1, maxLength: 4 }),
});

describe('RfbSession: every client format, encodings switched mid-stream, refined or not (whole sessions)', () => {
  for (const refineDamage of [true, false])
    for (const [label, layout] of LAYOUTS)
      it(`${label}, refineDamage ${refineDamage}: after every update the client shows exactly what Raw would, any frame width`, async () => {
        const sizes = fc.tuple(fc.integer({ min: 1, max: 75 }), fc.integer({ min: 1, max: 40 }), fc.nat(5));
        const frame = makeFrame(75, 40);
        const server = await startServer(frame, { listenTcp: false, refineDamage, maxRectsPerUpdate: 3 });
        try {
          fc.assert(
            fc.property(sizes, fc.array(step, { minLength: 1, maxLength: 6 }), ([w, h, pad], steps) => {
              Object.assign(frame, makeFrame(w, h, w + h, pad));
              server.resize(w, h);
              const t = new MemoryTransport();
              server.accept(t);
              t.sink.data(Buffer.from('RFB 003.008\n\x01\x01'));
              const spf = Buffer.alloc(20);
              encodePixelFormat(layout.pf, spf, 4);
              t.sink.data(spf);
              const client = new DecodingClient(layout, w, h);
              const conv = new PixelConverter(layout.pf);
              let seen = t.writes.length;
              for (const [i, s] of steps.entries()) {
                t.sink.data(Uint8Array.of(2, 0, 0, 2, 0, 0, 0, 1, ...int32(s.encoding)));
                for (const [a, b, c, d, p] of s.rects) {
                  const r = new Rect(a % w, b % h, (a % w) + 1 + (c % w), (b % h) + 1 + (d % h)).clipTo(w, h);
                  paintRect(frame, r, p);
                  server.damage([r]);
                }
                t.sink.data(Uint8Array.of(3, i === 0 ? 0 : 1, 0, 0, 0, 0, w >> 8, w & 0xff, 0, h));
                t.drain();
                for (const u of t.writes.slice(seen)) client.update(u);
                seen = t.writes.length;
                expect(client.screen).to.deep.equal(expected(conv, frame));
              }
              expect(t.closed).to.equal(false);
              t.sink.closed();
            }),
            { numRuns: 40 },
          );
        } finally {
          await server.close();
        }
      });
});

function int32(v: number): number[] {
  const b = Buffer.alloc(4);
  b.writeInt32BE(v);
  return [...b];
}
