import 'reflect-metadata';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Rect, Region } from '@fbemu/drm-fb-helper';
import { expect } from 'chai';
import fc from 'fast-check';
import { encodeUpdate } from './encoder.js';
import { SessionEncoders } from './encodings.js';
import { PixelConverter } from './pixel-format.js';
import { Encoding } from './protocol.js';
import { ffmpegDecodeJpeg, psnr } from './test-jpeg.js';
import { paintRect, scenario } from './test-scenarios.js';
import { makeFrame, NOVNC_RGBX, type TestFrame } from './test-support.js';

interface NoVncDecoder {
  decodeRect(
    x: number,
    y: number,
    w: number,
    h: number,
    sock: FakeSock,
    display: FakeDisplay,
    depth: number,
  ): boolean;
}
type DecoderClass = new () => NoVncDecoder;

/**
 * noVNC's own ZRLE and Tight decoders (`core/decoders/*.js`, plain ES modules with pako inside),
 * loaded by file path (the package exports only `core/rfb.js`). Their logging module reads
 * `window.console` once when loaded, so `window` exists only while they load.
 */
async function loadNoVnc(): Promise<Record<number, DecoderClass>> {
  const core = path.dirname(createRequire(import.meta.url).resolve('@novnc/novnc'));
  const g = globalThis as { window?: unknown };
  g.window = globalThis;
  try {
    const load = async (f: string) =>
      (await import(pathToFileURL(path.join(core, 'decoders', f)).href)).default;
    return {
      [Encoding.ZRLE]: await load('zrle.js'),
      [Encoding.Tight]: await load('tight.js'),
      [Encoding.Hextile]: await load('hextile.js'),
    };
  } finally {
    delete g.window;
  }
}

/** The receive-queue calls noVNC's decoders make on its Websock, over one whole update. */
class FakeSock {
  at = 0;
  constructor(readonly b: Uint8Array) {}
  rQwait(_what: string, n: number): boolean {
    if (this.at + n > this.b.length)
      throw new Error(`update ends ${this.at + n - this.b.length} bytes early`);
    return false;
  }
  rQpeek8(): number {
    return this.b[this.at];
  }
  rQpeekBytes(n: number): Uint8Array {
    this.rQwait('', n);
    return this.b.slice(this.at, this.at + n);
  }
  rQskipBytes(n: number): void {
    this.at += n;
  }
  rQshift8(): number {
    return this.b[this.at++];
  }
  rQshift16(): number {
    return (this.rQshift8() << 8) | this.rQshift8();
  }
  rQshift32(): number {
    return ((this.rQshift16() << 16) | this.rQshift16()) >>> 0;
  }
  rQshiftBytes(n: number): Uint8Array {
    this.rQwait('', n);
    this.at += n;
    return this.b.slice(this.at - n, this.at);
  }
  rQshiftTo(target: Uint8Array, n: number): void {
    target.set(this.rQshiftBytes(n));
  }
}

/** noVNC's Display calls the decoders make, onto an RGBA canvas. */
class FakeDisplay {
  readonly rgba: Uint8Array;
  /** 1 where an `imageRect` (a JPEG the browser would decode; ffmpeg here) painted last */
  readonly lossy: Uint8Array;
  /** the images handed over, as noVNC's Display got them */
  readonly images: { x: number; y: number; w: number; h: number; mime: string }[] = [];
  constructor(
    readonly width: number,
    height: number,
  ) {
    this.rgba = new Uint8Array(width * height * 4);
    this.lossy = new Uint8Array(width * height);
  }
  fillRect(x: number, y: number, w: number, h: number, colour: ArrayLike<number>): void {
    for (let j = y; j < y + h; j++)
      for (let i = x; i < x + w; i++)
        this.rgba.set([colour[0], colour[1], colour[2], 255], (j * this.width + i) * 4);
    this.lossless(x, y, w, h);
  }
  /** What `Display.imageRect` gets: noVNC draws the decoded image at (x, y) once it has loaded. */
  imageRect(x: number, y: number, w: number, h: number, mime: string, data: Uint8Array): void {
    this.images.push({ x, y, w, h, mime });
    const img = ffmpegDecodeJpeg(data);
    expect([img.width, img.height]).to.deep.equal([w, h], "the image has the rect's size");
    for (let j = 0; j < h; j++)
      for (let i = 0; i < w; i++) {
        const p = img.pixels[j * w + i];
        this.rgba.set([p >>> 16, (p >>> 8) & 0xff, p & 0xff, 255], ((y + j) * this.width + x + i) * 4);
        this.lossy[(y + j) * this.width + x + i] = 1;
      }
  }
  private lossless(x: number, y: number, w: number, h: number): void {
    for (let j = y; j < y + h; j++) this.lossy.fill(0, j * this.width + x, j * this.width + x + w);
  }
  blitImage(x: number, y: number, w: number, h: number, data: Uint8Array, offset: number): void {
    for (let j = 0; j < h; j++)
      this.rgba.set(
        data.subarray(offset + j * w * 4, offset + (j + 1) * w * 4),
        ((y + j) * this.width + x) * 4,
      );
    this.lossless(x, y, w, h);
  }
}

/** Feeds one FramebufferUpdate to noVNC's decoders, the way `RFB._framebufferUpdate` dispatches it. */
function applyUpdate(
  bytes: Uint8Array,
  decoders: Record<number, NoVncDecoder>,
  display: FakeDisplay,
): Set<number> {
  const sock = new FakeSock(bytes);
  const seen = new Set<number>();
  sock.rQskipBytes(2);
  for (let n = sock.rQshift16(); n > 0; n--) {
    const [x, y, w, h] = [sock.rQshift16(), sock.rQshift16(), sock.rQshift16(), sock.rQshift16()];
    const enc = sock.rQshift32() | 0;
    seen.add(enc);
    expect(decoders[enc].decodeRect(x, y, w, h, sock, display, 24)).to.equal(true);
  }
  expect(sock.at).to.equal(bytes.length, 'the update ends where the decoders stopped');
  return seen;
}

function frameRgba(f: TestFrame): Uint8Array {
  const out = new Uint8Array(f.width * f.height * 4);
  for (let y = 0; y < f.height; y++)
    for (let x = 0; x < f.width; x++) {
      const p = f.pixels[y * f.stride + x];
      out.set([(p >>> 16) & 0xff, (p >>> 8) & 0xff, p & 0xff, 255], (y * f.width + x) * 4);
    }
  return out;
}

describe("noVNC's own ZRLE, Tight and Hextile decoders (run in Node) read what the server sends", () => {
  let noVnc: Record<number, DecoderClass>;
  before(async () => {
    noVnc = await loadNoVnc();
  });

  const names: Record<number, string> = {
    [Encoding.ZRLE]: 'ZRLE',
    [Encoding.Tight]: 'Tight',
    [Encoding.Hextile]: 'Hextile',
  };
  for (const encoding of [Encoding.ZRLE, Encoding.Tight, Encoding.Hextile]) {
    it(`${names[encoding]}: random frames and damage end up exactly on noVNC's canvas`, () => {
      fc.assert(
        fc.property(scenario, (sc) => {
          const frame = makeFrame(sc.w, sc.h, 0, 2);
          paintRect(frame, new Rect(0, 0, sc.w, sc.h), sc.first);
          const conv = new PixelConverter(NOVNC_RGBX);
          const encoders = new SessionEncoders();
          encoders.select(new Int32Array([encoding, Encoding.CompressLevel0 + sc.level]));
          const decoders = { [encoding]: new noVnc[encoding]() };
          const display = new FakeDisplay(sc.w, sc.h);
          const damage = new Region(32).addXyxy(0, 0, sc.w, sc.h);
          try {
            for (const batch of [[], ...sc.updates]) {
              for (const [r, p] of batch) {
                paintRect(frame, r, p);
                damage.addRect(r);
              }
              const update = encodeUpdate(
                frame,
                conv,
                { copies: [], raw: damage },
                undefined,
                encoders.current(),
              );
              damage.clear();
              expect([...applyUpdate(update.bytes, decoders, display)]).to.deep.equal([encoding]);
              expect(Buffer.from(display.rgba).equals(Buffer.from(frameRgba(frame)))).to.equal(true);
            }
          } finally {
            encoders.close();
          }
        }),
        { numRuns: 40 },
      );
    });
  }
});

describe("noVNC's own Tight decoder with a quality level (JPEG rects)", () => {
  let noVnc: Record<number, DecoderClass>;
  before(async () => {
    noVnc = await loadNoVnc();
  });

  /** noVNC's canvas, as 0x00RRGGBB words. */
  const words = (rgba: Uint8Array, at: number[]) =>
    at.map((i) => (rgba[4 * i] << 16) | (rgba[4 * i + 1] << 8) | rgba[4 * i + 2]);

  it('reads the 0x90 framing and hands the JPEG to the display as image/jpeg; lossless rects stay exact', function () {
    this.timeout(120_000);
    let images = 0;
    fc.assert(
      fc.property(scenario, fc.integer({ min: 0, max: 9 }), (sc, quality) => {
        const frame = makeFrame(sc.w, sc.h, 0, 2);
        paintRect(frame, new Rect(0, 0, sc.w, sc.h), { ...sc.first, kind: 'photo' });
        const conv = new PixelConverter(NOVNC_RGBX);
        const encoders = new SessionEncoders();
        encoders.select(new Int32Array([Encoding.Tight, Encoding.QualityLevel0 + quality]));
        const decoders = { [Encoding.Tight]: new noVnc[Encoding.Tight]() };
        const display = new FakeDisplay(sc.w, sc.h);
        const damage = new Region(32).addXyxy(0, 0, sc.w, sc.h);
        try {
          for (const batch of [[], ...sc.updates]) {
            for (const [r, p] of batch) {
              paintRect(frame, r, p);
              damage.addRect(r);
            }
            const update = encodeUpdate(
              frame,
              conv,
              { copies: [], raw: damage },
              undefined,
              encoders.current(),
            );
            damage.clear();
            applyUpdate(update.bytes, decoders, display);
            const want = frameRgba(frame);
            const all = [...display.lossy.keys()];
            const exact = all.filter((i) => display.lossy[i] === 0);
            const lossy = all.filter((i) => display.lossy[i] === 1);
            expect(words(display.rgba, exact)).to.deep.equal(words(want, exact));
            if (lossy.length > 0)
              expect(psnr(words(display.rgba, lossy), words(want, lossy))).to.be.above(23);
          }
          expect(display.images.every((im) => im.mime === 'image/jpeg')).to.equal(true);
          images += display.images.length;
        } finally {
          encoders.close();
        }
      }),
      { numRuns: 10 },
    );
    expect(images).to.be.greaterThan(0, 'some rects went as JPEG');
  });
});
