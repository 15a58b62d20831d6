import 'reflect-metadata';
import { Rect, Region } from '@fbemu/drm-fb-helper';
import { expect } from 'chai';
import fc from 'fast-check';
import { encodeUpdate } from './encoder.js';
import {
  chooseEncodings,
  DEFAULT_COMPRESS_LEVEL,
  DEFAULT_TIGHT_LEVEL,
  SessionEncoders,
} from './encodings.js';
import {
  encodePixelFormat,
  PixelConverter,
  type PixelFormat,
  SERVER_PIXEL_FORMAT,
  unsupportedReason,
} from './pixel-format.js';
import { Encoding } from './protocol.js';
import type { RfbServer } from './server.js';
import { DecodingClient, type WireLayout } from './test-decoders.js';
import { ffmpegDecodeJpeg, psnr } from './test-jpeg.js';
import { paintRect, scenario } from './test-scenarios.js';
import {
  MemoryTransport,
  makeFrame,
  NOVNC_RGBX,
  RGB565_BE,
  RGB565_LE,
  startServer,
  type TestFrame,
} from './test-support.js';
import { pieceRows } from './tight.js';

/** A 32 bpp big-endian client with its channels in the low three bytes: CPIXEL is value bytes 0..2, memory bytes 1..3. */
const BGRX_BE: PixelFormat = {
  ...SERVER_PIXEL_FORMAT,
  bigEndian: true,
  redShift: 0,
  greenShift: 8,
  blueShift: 16,
};
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

/** Every format the server serves in the tests, with how ZRLE and Tight put its pixels on the wire. */
const LAYOUTS: [string, WireLayout][] = [
  ["noVNC's RGBX", { pf: NOVNC_RGBX, cpixel: [3, 0], tpixelRgb: true }],
  ['server XRGB', { pf: SERVER_PIXEL_FORMAT, cpixel: [3, 0], tpixelRgb: true }],
  ['RGB565 LE', { pf: RGB565_LE, cpixel: [2, 0], tpixelRgb: false }],
  ['RGB565 BE', { pf: RGB565_BE, cpixel: [2, 0], tpixelRgb: false }],
  ['BGRX big-endian', { pf: BGRX_BE, cpixel: [3, 1], tpixelRgb: true }],
  ['BGR233', { pf: BGR233, cpixel: [1, 0], tpixelRgb: false }],
];

/**
 * What Raw would show: the frame converted to the client's pixel words, padding bits cleared (Raw in
 * the server's own format copies the framebuffer's X byte; ZRLE's 3-byte CPIXEL leaves it out).
 */
function rawScreen(frame: TestFrame, conv: PixelConverter): Uint32Array {
  const out = new Uint32Array(frame.width * frame.height);
  conv.convertWords(frame, 0, 0, frame.width, frame.height, out);
  return colourBits(out, conv);
}

/** The screen without padding bits (Raw and Hextile carry the X byte of the server format, ZRLE and Tight do not). */
function colourBits(screen: Uint32Array, conv: PixelConverter): Uint32Array {
  const white = new Uint32Array(1);
  conv.convertWords(
    { width: 1, height: 1, stride: 1, pixels: new Uint32Array([0xffffff]) },
    0,
    0,
    1,
    1,
    white,
  );
  return screen.map((v) => v & white[0]);
}

const NAMES: Record<number, string> = {
  [Encoding.ZRLE]: 'ZRLE',
  [Encoding.Tight]: 'Tight',
  [Encoding.Hextile]: 'Hextile',
};

describe('ZRLE, Tight and Hextile encoders (lossless, decoded independently)', () => {
  for (const encoding of [Encoding.ZRLE, Encoding.Tight, Encoding.Hextile]) {
    const name = NAMES[encoding];
    for (const [label, layout] of LAYOUTS) {
      it(`${name} in ${label}: every update decodes to exactly what Raw shows`, () => {
        fc.assert(
          fc.property(scenario, (sc) => {
            const frame = makeFrame(sc.w, sc.h, 0, 5);
            paintRect(frame, new Rect(0, 0, sc.w, sc.h), sc.first);
            const conv = new PixelConverter(layout.pf);
            const encoders = new SessionEncoders();
            encoders.select(new Int32Array([encoding, Encoding.CompressLevel0 + sc.level]));
            const client = new DecodingClient(layout, sc.w, sc.h);
            const damage = new Region(32).addXyxy(0, 0, sc.w, sc.h);
            try {
              for (const batch of [[], ...sc.updates]) {
                for (const [r, p] of batch) {
                  paintRect(frame, r, p);
                  damage.addRect(r);
                }
                client.update(
                  encodeUpdate(frame, conv, { copies: [], raw: damage }, undefined, encoders.current()).bytes,
                );
                damage.clear();
                expect(colourBits(client.screen, conv)).to.deep.equal(rawScreen(frame, conv));
              }
              expect([...client.encodings]).to.deep.equal([encoding]);
            } finally {
              encoders.close();
            }
          }),
          { numRuns: 25 },
        );
      });
    }
  }

  it('Tight: a new compression level mid-connection resets the streams it uses, so the client keeps decoding', () => {
    const frame = makeFrame(100, 70, 3, 0);
    const conv = new PixelConverter(NOVNC_RGBX);
    const client = new DecodingClient(LAYOUTS[0][1], 100, 70);
    const encoders = new SessionEncoders();
    for (const [i, level] of [1, 1, 9, 2].entries()) {
      encoders.select(new Int32Array([Encoding.Tight, Encoding.CompressLevel0 + level]));
      frame.pixels.set(makeFrame(100, 70, i, 0).pixels);
      const full = new Region(32).addXyxy(0, 0, 100, 70);
      client.update(
        encodeUpdate(frame, conv, { copies: [], raw: full }, undefined, encoders.current()).bytes,
      );
      expect(colourBits(client.screen, conv)).to.deep.equal(rawScreen(frame, conv));
    }
    encoders.close();
  });

  it('copies go before the encoded rects, in one update', () => {
    const frame = makeFrame(80, 60, 1, 0);
    const conv = new PixelConverter(NOVNC_RGBX);
    const client = new DecodingClient(LAYOUTS[0][1], 80, 60);
    const encoders = new SessionEncoders();
    encoders.select(new Int32Array([Encoding.ZRLE]));
    const all = new Region(32).addXyxy(0, 0, 80, 60);
    client.update(encodeUpdate(frame, conv, { copies: [], raw: all }, undefined, encoders.current()).bytes);
    const moved = makeFrame(80, 60, 1, 0);
    for (let y = 0; y < 20; y++) moved.pixels.copyWithin(y * 80 + 40, y * 80, y * 80 + 20);
    frame.pixels.set(moved.pixels);
    frame.pixels.fill(0x123456, 0, 5);
    const copy = { sx: 0, sy: 0, dx: 40, dy: 0, w: 20, h: 20 };
    const update = encodeUpdate(
      frame,
      conv,
      { copies: [copy], raw: new Region(32).addXyxy(0, 0, 5, 1) },
      undefined,
      encoders.current(),
    );
    client.update(update.bytes);
    expect(update.rects).to.equal(2);
    expect(colourBits(client.screen, conv)).to.deep.equal(rawScreen(frame, conv));
    encoders.close();
  });
});

/** Any true-colour format the server accepts (8/16/32 bpp, either byte order, channels that fit). */
const anyFormat = fc
  .record({
    bitsPerPixel: fc.constantFrom(8, 16, 32),
    depth: fc.integer({ min: 1, max: 32 }),
    bigEndian: fc.boolean(),
    bits: fc.tuple(
      fc.integer({ min: 1, max: 8 }),
      fc.integer({ min: 1, max: 8 }),
      fc.integer({ min: 1, max: 8 }),
    ),
    shifts: fc.tuple(fc.nat(31), fc.nat(31), fc.nat(31)),
  })
  .map(({ bitsPerPixel, depth, bigEndian, bits, shifts }) => ({
    bitsPerPixel,
    depth,
    bigEndian,
    trueColour: true,
    redMax: 2 ** bits[0] - 1,
    greenMax: 2 ** bits[1] - 1,
    blueMax: 2 ** bits[2] - 1,
    redShift: shifts[0],
    greenShift: shifts[1],
    blueShift: shifts[2],
  }))
  .filter((pf) => unsupportedReason(pf) === undefined);

/** RFC 6143 §7.7.6 and the Tight description, stated for the test: how pixels of `pf` travel. */
function wireLayout(pf: PixelFormat): WireLayout {
  const tops = [
    pf.redMax * 2 ** pf.redShift,
    pf.greenMax * 2 ** pf.greenShift,
    pf.blueMax * 2 ** pf.blueShift,
  ];
  const small = pf.bitsPerPixel === 32 && pf.depth <= 24;
  const lsb = small && tops.every((t) => t <= 0xffffff);
  const msb = small && !lsb && Math.min(pf.redShift, pf.greenShift, pf.blueShift) >= 8;
  const cpixel: [number, number] = lsb
    ? [3, pf.bigEndian ? 1 : 0]
    : msb
      ? [3, pf.bigEndian ? 0 : 1]
      : [pf.bitsPerPixel / 8, 0];
  const tpixelRgb =
    pf.bitsPerPixel === 32 &&
    pf.depth === 24 &&
    pf.redMax === 255 &&
    pf.greenMax === 255 &&
    pf.blueMax === 255;
  return { pf, cpixel, tpixelRgb };
}

describe('ZRLE, Tight and Hextile in any pixel format a client may set', () => {
  for (const encoding of [Encoding.ZRLE, Encoding.Tight, Encoding.Hextile]) {
    it(`${NAMES[encoding]}: random formats and frames decode to what Raw shows`, () => {
      fc.assert(
        fc.property(anyFormat, scenario, (pf, sc) => {
          const frame = makeFrame(sc.w, sc.h, 0, 1);
          paintRect(frame, new Rect(0, 0, sc.w, sc.h), sc.first);
          const conv = new PixelConverter(pf);
          const encoders = new SessionEncoders();
          encoders.select(new Int32Array([encoding]));
          const client = new DecodingClient(wireLayout(pf), sc.w, sc.h);
          try {
            client.update(
              encodeUpdate(
                frame,
                conv,
                { copies: [], raw: new Region(32).addXyxy(0, 0, sc.w, sc.h) },
                undefined,
                encoders.current(),
              ).bytes,
            );
            expect(colourBits(client.screen, conv)).to.deep.equal(rawScreen(frame, conv));
          } finally {
            encoders.close();
          }
        }),
        { numRuns: 80 },
      );
    });
  }
});

describe('SetEncodings: which encoding a client gets', () => {
  const cases: [string, number[], number][] = [
    ['none listed: Raw', [], Encoding.Raw],
    [
      'noVNC-like order, Tight first',
      [Encoding.Tight, Encoding.CopyRect, Encoding.ZRLE, Encoding.Raw],
      Encoding.Tight,
    ],
    ['ZRLE before Tight', [Encoding.ZRLE, Encoding.Tight], Encoding.ZRLE],
    ['Raw first wins', [Encoding.Raw, Encoding.ZRLE], Encoding.Raw],
    [
      'unsupported ones skipped (RRE, Zlib, JPEG, H.264, TightPNG)',
      [2, 6, 21, 50, -260, Encoding.ZRLE],
      Encoding.ZRLE,
    ],
    ['Hextile when it comes first', [Encoding.Hextile, Encoding.ZRLE, Encoding.Tight], Encoding.Hextile],
  ];
  for (const [what, list, expected] of cases) {
    it(what, () => expect(chooseEncodings(new Int32Array(list)).pixels).to.equal(expected));
  }

  it('reads the first compression and quality levels, ignores out-of-range pseudo-encodings', () => {
    const c = chooseEncodings(new Int32Array([-257, -246, -33, -22, -250, -28, -256, -32, Encoding.ZRLE]));
    expect([c.compressLevel, c.qualityLevel, c.pixels]).to.deep.equal([6, 4, Encoding.ZRLE]);
    const none = chooseEncodings(new Int32Array([-257, -246, -33, -22]));
    expect([none.compressLevel, none.qualityLevel]).to.deep.equal([undefined, undefined]);
  });

  it('zlib level without a compression level: Tight 1 (as libvncserver and TurboVNC), ZRLE 6; a level the client sends is used', () => {
    const levels = (list: number[]) => {
      const e = new SessionEncoders();
      e.select(new Int32Array(list));
      const level = (e.current() as unknown as { level: number }).level;
      e.close();
      return level;
    };
    expect([DEFAULT_TIGHT_LEVEL, DEFAULT_COMPRESS_LEVEL]).to.deep.equal([1, 6]);
    expect(levels([Encoding.Tight])).to.equal(1);
    expect(levels([Encoding.Tight, Encoding.CompressLevel0 + 6])).to.equal(6);
    expect(levels([Encoding.ZRLE])).to.equal(6);
    expect(levels([Encoding.ZRLE, Encoding.CompressLevel0 + 2])).to.equal(2);
  });
});

describe('SetEncodings from a hostile client (whole sessions in process)', () => {
  let server: RfbServer;
  let frame: TestFrame;
  before(async () => {
    frame = makeFrame(70, 40, 2, 1);
    server = await startServer(frame, { listenTcp: false, maxBufferedBytes: 1 << 30 });
  });
  after(() => server.close());

  const encodingList = fc.array(
    fc.oneof(
      fc.constantFrom(
        Encoding.Raw,
        Encoding.ZRLE,
        Encoding.Tight,
        Encoding.Hextile,
        Encoding.CopyRect,
        2,
        -223,
        -224,
        -239,
      ),
      fc.integer({ min: -260, max: -244 }),
      fc.integer({ min: -35, max: -20 }),
      fc.integer(),
    ),
    { maxLength: 40 },
  );

  it('any lists, changed between updates, leave the client showing the frame in the encoding it chose', function () {
    this.timeout(120_000);
    fc.assert(
      fc.property(fc.array(encodingList, { minLength: 1, maxLength: 5 }), fc.nat(), (lists, seed) => {
        const t = new MemoryTransport();
        server.accept(t);
        const screen = new DecodingClient(LAYOUTS[0][1], frame.width, frame.height);
        screen.jpegDecoder = ffmpegDecodeJpeg;
        t.sink.data(Buffer.from('RFB 003.008\n\x01\x01'));
        const setPf = Buffer.alloc(20);
        encodePixelFormat(NOVNC_RGBX, setPf, 4);
        t.sink.data(setPf);
        const handshake = t.writes.length;
        for (const [i, list] of lists.entries()) {
          const msg = Buffer.alloc(4 + 4 * list.length);
          msg[0] = 2;
          msg.writeUInt16BE(list.length, 2);
          for (const [k, e] of list.entries()) msg.writeInt32BE(e, 4 + 4 * k);
          t.sink.data(msg);
          const changed = new Rect(i, 0, frame.width, frame.height - i);
          // noise stays lossless; a photo may go as JPEG when Tight and a quality level are chosen
          paintRect(frame, changed, {
            kind: (seed + i) % 2 ? 'photo' : 'noise',
            colours: [0],
            seed: seed + i,
          });
          server.damage([changed]);
          t.sink.data(Uint8Array.of(3, i === 0 ? 0 : 1, 0, 0, 0, 0, 0, frame.width, 0, frame.height));
          t.drain();
          const chosen = chooseEncodings(new Int32Array(list));
          const last = t.writes[t.writes.length - 1];
          screen.encodings.clear();
          const jpegs = screen.jpegRects;
          screen.update(last);
          expect([...screen.encodings]).to.deep.equal([chosen.pixels]);
          if (screen.jpegRects > jpegs)
            expect([chosen.pixels, chosen.qualityLevel !== undefined]).to.deep.equal([Encoding.Tight, true]);
        }
        expect(t.closed).to.equal(false);
        expect(t.writes.length).to.equal(handshake + lists.length);
        const conv = new PixelConverter(NOVNC_RGBX);
        const [shown, want] = [colourBits(screen.screen, conv), rawScreen(frame, conv)];
        const all = [...screen.lossy.keys()];
        const exact = all.filter((i) => screen.lossy[i] === 0);
        const lossy = all.filter((i) => screen.lossy[i] === 1);
        expect(exact.map((i) => shown[i])).to.deep.equal(exact.map((i) => want[i]));
        if (lossy.length > 0)
          expect(
            psnr(
              lossy.map((i) => shown[i]),
              lossy.map((i) => want[i]),
            ),
          ).to.be.above(23);
        t.sink.closed();
      }),
      { numRuns: 60 },
    );
  });
});

describe('ZRLE and Tight under backpressure', () => {
  for (const encoding of [Encoding.ZRLE, Encoding.Tight]) {
    it(`${encoding === Encoding.ZRLE ? 'ZRLE' : 'Tight'}: a backed-up client gets one coalesced update after the drain, and it decodes to the frame`, async () => {
      const frame = makeFrame(96, 64, 4, 2);
      const server = await startServer(frame, { maxBufferedBytes: 10, listenTcp: false });
      try {
        const t = new MemoryTransport();
        server.accept(t);
        const client = new DecodingClient(LAYOUTS[1][1], 96, 64);
        t.sink.data(Buffer.from('RFB 003.008\n\x01\x01'));
        const msg = Buffer.alloc(8);
        msg[0] = 2;
        msg.writeUInt16BE(1, 2);
        msg.writeInt32BE(encoding, 4);
        t.sink.data(msg);
        t.drain(); // the handshake was read
        t.sink.data(Uint8Array.of(3, 0, 0, 0, 0, 0, 0, 96, 0, 64));
        const handshake = 4;
        expect(t.writes.length).to.equal(handshake + 1, 'the first frame went out');
        client.update(t.writes[handshake]);
        for (let i = 0; i < 12; i++) {
          paintRect(frame, new Rect(i * 7, i * 4, i * 7 + 9, i * 4 + 5), {
            kind: 'noise',
            colours: [0],
            seed: i + 1,
          });
          server.damage([new Rect(i * 7, i * 4, i * 7 + 9, i * 4 + 5)]);
          t.sink.data(Uint8Array.of(3, 1, 0, 0, 0, 0, 0, 96, 0, 64));
        }
        expect(t.writes.length).to.equal(handshake + 1, 'nothing queued behind the backed-up update');
        t.drain();
        expect(t.writes.length).to.equal(handshake + 2, 'one update for all twelve changes');
        client.update(t.writes[handshake + 1]);
        expect(colourBits(client.screen, new PixelConverter(SERVER_PIXEL_FORMAT))).to.deep.equal(
          rawScreen(frame, new PixelConverter(SERVER_PIXEL_FORMAT)),
        );
      } finally {
        await server.close();
      }
    });
  }
});

describe('ZRLE/Tight counters', () => {
  it('count encoded rects only: a DesktopSize update adds none', async () => {
    const frame = makeFrame(40, 30, 1, 0);
    const server = await startServer(frame, { listenTcp: false, maxBufferedBytes: 1 << 30 });
    try {
      const t = new MemoryTransport();
      server.accept(t);
      t.sink.data(Buffer.from('RFB 003.008\n\x01\x01'));
      const msg = Buffer.alloc(12);
      msg[0] = 2;
      msg.writeUInt16BE(2, 2);
      msg.writeInt32BE(Encoding.ZRLE, 4);
      msg.writeInt32BE(Encoding.DesktopSize, 8);
      t.sink.data(msg);
      t.sink.data(Uint8Array.of(3, 0, 0, 0, 0, 0, 0, 40, 0, 30));
      expect(server.stats().zrleRects).to.equal(1);
      Object.assign(frame, makeFrame(36, 20, 2, 0));
      server.resize(36, 20);
      t.sink.data(Uint8Array.of(3, 1, 0, 0, 0, 0, 0, 36, 0, 20));
      expect(server.stats().rects).to.equal(2, 'the DesktopSize rect went out');
      expect(server.stats().zrleRects).to.equal(1);
      t.sink.data(Uint8Array.of(3, 1, 0, 0, 0, 0, 0, 36, 0, 20));
      expect(server.stats().zrleRects).to.equal(2, 'then the new frame, in ZRLE');
    } finally {
      await server.close();
    }
  });

  it('each client counts in the counter of the encoding it chose', async () => {
    const server = await startServer(makeFrame(20, 10, 1, 0), {
      listenTcp: false,
      maxBufferedBytes: 1 << 30,
    });
    try {
      for (const encoding of [Encoding.Hextile, Encoding.Tight, Encoding.ZRLE, Encoding.Hextile]) {
        const t = new MemoryTransport();
        server.accept(t);
        t.sink.data(Buffer.from('RFB 003.008\n\x01\x01'));
        const msg = Buffer.alloc(8);
        msg[0] = 2;
        msg.writeUInt16BE(1, 2);
        msg.writeInt32BE(encoding, 4);
        t.sink.data(msg);
        t.sink.data(Uint8Array.of(3, 0, 0, 0, 0, 0, 0, 20, 0, 10));
      }
      const { zrleRects, tightRects, hextileRects } = server.stats();
      expect({ zrleRects, tightRects, hextileRects }).to.deep.equal({
        zrleRects: 1,
        tightRects: 1,
        hextileRects: 2,
      });
    } finally {
      await server.close();
    }
  });
});

describe('Tight pieces', () => {
  it("every piece's data fits Tight's 22-bit compact length, and a column has at most 48 pieces while it does", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2048 }), fc.integer({ min: 1, max: 65535 }), (pw, h) => {
        const rows = pieceRows(pw, h);
        expect(rows).to.be.at.least(1);
        // 4 bytes a pixel at most, plus zlib's 5 bytes per 64 KiB stored block and its flush
        const worst = rows * pw * 4 + Math.ceil((rows * pw * 4) / 65535) * 5 + 16;
        expect(worst).to.be.below(2 ** 22);
        if (Math.ceil(h / 48) * pw <= 2 ** 19) expect(Math.ceil(h / rows)).to.be.at.most(48);
      }),
      {
        examples: [
          [2048, 65535],
          [2048, 12289],
          [1, 65535],
        ],
      },
    );
  });
});
