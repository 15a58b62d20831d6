import 'reflect-metadata';
import { expect } from 'chai';
import fc from 'fast-check';
import { PixelConverter, type PixelFormat, SERVER_PIXEL_FORMAT, unsupportedReason } from './pixel-format.js';
import { Encoding } from './protocol.js';
import type { RfbServer } from './server.js';
import {
  connectTcp,
  makeFrame,
  NOVNC_RGBX,
  RGB565_BE,
  RGB565_LE,
  startServer,
  type TestFrame,
} from './test-support.js';

/** noVNC's layout, but big-endian, so bytes come out as X B G R. */
const RGBX_BE: PixelFormat = { ...NOVNC_RGBX, bigEndian: true };
const BGR233: PixelFormat = {
  ...SERVER_PIXEL_FORMAT,
  bitsPerPixel: 8,
  depth: 8,
  redMax: 7,
  greenMax: 7,
  blueMax: 3,
  redShift: 0,
  greenShift: 3,
  blueShift: 6,
};
const ODD_MAX: PixelFormat = {
  ...SERVER_PIXEL_FORMAT,
  redMax: 100,
  greenMax: 1000,
  blueMax: 5,
  redShift: 22,
  greenShift: 12,
  blueShift: 1,
};

/** Reads pixel `i` of converted bytes as the client would, given its format. */
function clientPixel(pf: PixelFormat, bytes: Uint8Array, i: number): number {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = !pf.bigEndian;
  if (pf.bitsPerPixel === 32) return v.getUint32(4 * i, le);
  if (pf.bitsPerPixel === 16) return v.getUint16(2 * i, le);
  return v.getUint8(i);
}

/** The 8-bit channels a client recovers from its pixel (scaled back from `max`). */
function channels(pf: PixelFormat, p: number): [number, number, number] {
  // a channel occupies the bits needed for its max (RFC 6143 §7.4)
  const field = (max: number) => 2 ** Math.ceil(Math.log2(max + 1));
  const ch = (shift: number, max: number) =>
    Math.round(((Math.floor(p / 2 ** shift) % field(max)) * 255) / max);
  return [ch(pf.redShift, pf.redMax), ch(pf.greenShift, pf.greenMax), ch(pf.blueShift, pf.blueMax)];
}

function convert(pf: PixelFormat, f: TestFrame, x: number, y: number, w: number, h: number): Uint8Array {
  const conv = new PixelConverter(pf);
  const out = new Uint8Array(w * h * conv.bytesPerPixel);
  conv.convertRect(f, x, y, w, h, out, 0);
  return out;
}

describe('PixelConverter', () => {
  it('known RGB565 vectors in both byte orders', () => {
    const f = {
      width: 4,
      height: 1,
      stride: 4,
      pixels: Uint32Array.of(0xff0000, 0x00ff00, 0x0000ff, 0xffffff),
    };
    expect([...convert(RGB565_BE, f, 0, 0, 4, 1)]).to.deep.equal([
      0xf8, 0x00, 0x07, 0xe0, 0x00, 0x1f, 0xff, 0xff,
    ]);
    expect([...convert(RGB565_LE, f, 0, 0, 4, 1)]).to.deep.equal([
      0x00, 0xf8, 0xe0, 0x07, 0x1f, 0x00, 0xff, 0xff,
    ]);
  });

  it("noVNC's RGBX puts R, G, B in bytes 0, 1, 2; big-endian RGBX puts them in bytes 3, 2, 1", () => {
    const f = { width: 1, height: 1, stride: 1, pixels: Uint32Array.of(0x00112233) };
    expect([...convert(NOVNC_RGBX, f, 0, 0, 1, 1)].slice(0, 3)).to.deep.equal([0x11, 0x22, 0x33]);
    expect([...convert(RGBX_BE, f, 0, 0, 1, 1)].slice(1)).to.deep.equal([0x33, 0x22, 0x11]);
  });

  it('the server format is a byte-exact copy of the words (little-endian XRGB)', () => {
    const f = makeFrame(5, 3);
    const bytes = convert(SERVER_PIXEL_FORMAT, f, 1, 1, 3, 2);
    const v = new DataView(bytes.buffer);
    expect(v.getUint32(0, true)).to.equal(f.pixels[1 * f.stride + 1]);
    expect(v.getUint32(5 * 4, true)).to.equal(f.pixels[2 * f.stride + 3]);
  });

  for (const [name, pf] of Object.entries({ RGB565_BE, RGB565_LE, NOVNC_RGBX, RGBX_BE, BGR233, ODD_MAX })) {
    it(`${name}: every pixel decodes back to its colour within one quantisation step`, () => {
      fc.assert(
        fc.property(
          fc.array(fc.integer({ min: 0, max: 0xffffff }), { minLength: 1, maxLength: 64 }),
          (words) => {
            const f = {
              width: words.length,
              height: 1,
              stride: words.length,
              pixels: Uint32Array.from(words),
            };
            const bytes = convert(pf, f, 0, 0, words.length, 1);
            words.forEach((w, i) => {
              const got = channels(pf, clientPixel(pf, bytes, i));
              const want = [(w >>> 16) & 0xff, (w >>> 8) & 0xff, w & 0xff];
              const step = [pf.redMax, pf.greenMax, pf.blueMax].map((m) => 255 / m / 2 + 0.5);
              for (const [c, g] of got.entries()) expect(Math.abs(g - want[c])).to.be.at.most(step[c]);
            });
          },
        ),
        { numRuns: 50 },
      );
    });
  }

  it('accepts 8/16/32 bpp true colour and refuses the rest', () => {
    expect(unsupportedReason(RGB565_BE)).to.equal(undefined);
    expect(unsupportedReason(BGR233)).to.equal(undefined);
    expect(unsupportedReason({ ...RGB565_BE, bitsPerPixel: 24 })).to.match(/24/);
    expect(unsupportedReason({ ...RGB565_BE, trueColour: false })).to.match(/colour-map/);
    expect(unsupportedReason({ ...RGB565_BE, blueMax: 0 })).to.match(/blue/);
    expect(unsupportedReason({ ...RGB565_BE, greenShift: 16 })).to.match(/green/);
  });
});

describe('RfbServer pixel formats', () => {
  let frame: TestFrame;
  let server: RfbServer;
  beforeEach(async () => {
    frame = makeFrame(9, 7, 5);
    server = await startServer(frame);
  });
  afterEach(() => server.close());

  for (const [name, pf] of Object.entries({ RGB565_BE, NOVNC_RGBX, RGBX_BE, BGR233 })) {
    it(`sends Raw in the client's ${name} after SetPixelFormat`, async () => {
      const { client } = await connectTcp(server);
      await client.handshake();
      client.setPixelFormat(pf);
      client.setEncodings([Encoding.Raw]);
      client.requestUpdate(false);
      const [rect] = await client.readUpdate();
      expect(rect.data.length).to.equal(9 * 7 * (pf.bitsPerPixel / 8));
      for (let i = 0; i < 9 * 7; i++) {
        const w = frame.pixels[Math.floor(i / 9) * frame.stride + (i % 9)];
        const want = channels(
          pf,
          clientPixel(
            pf,
            convert(pf, { width: 1, height: 1, stride: 1, pixels: Uint32Array.of(w) }, 0, 0, 1, 1),
            0,
          ),
        );
        expect(channels(pf, clientPixel(pf, rect.data, i))).to.deep.equal(want);
      }
      client.close();
    });
  }
});
