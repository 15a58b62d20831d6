import 'reflect-metadata';
import { Rect, Region } from '@fbemu/drm-fb-helper';
import { expect } from 'chai';
import fc from 'fast-check';
import { VirtualTimeScheduler } from 'rxjs';
import { encodeUpdate } from './encoder.js';
import { SessionEncoders } from './encodings.js';
import { encodePixelFormat, PixelConverter, type PixelFormat, SERVER_PIXEL_FORMAT } from './pixel-format.js';
import { Encoding } from './protocol.js';
import { DEFAULT_RFB_OPTIONS, type RfbOptions } from './server.js';
import { DecodingClient, type WireLayout } from './test-decoders.js';
import { ffmpegDecodeJpeg, psnr } from './test-jpeg.js';
import { paintRect, photoPixel, scenario } from './test-scenarios.js';
import {
  fillRect,
  MemoryTransport,
  makeFrame,
  moveBlock,
  packed,
  RGB565_LE,
  startServer,
  type TestFrame,
} from './test-support.js';
import { JPEG_LEVELS, photographic } from './tight.js';

/** The server's own XRGB format: client pixel words are the frame's 0x00RRGGBB, so PSNR reads them directly. */
const XRGB: WireLayout = { pf: SERVER_PIXEL_FORMAT, cpixel: [3, 0], tpixelRgb: true };

/** The least PSNR (dB) a JPEG'd photo keeps at each quality level (jpeg.test.ts measures the encoder alone). */
const minDb = (level: number) =>
  JPEG_LEVELS[level].quality >= 79 ? 34 : JPEG_LEVELS[level].quality >= 42 ? 30 : 26;

function paintPhoto(f: TestFrame, r: Rect, seed: number): void {
  for (let y = r.y1; y < r.y2; y++)
    for (let x = r.x1; x < r.x2; x++) f.pixels[y * f.stride + x] = photoPixel(x, y, seed);
}

/**
 * What the client shows against the frame: exactly the frame's colours where a lossless rect
 * painted last, and within `db` of them over the pixels a JPEG rect painted last.
 */
function expectShows(client: DecodingClient, frame: TestFrame, db: number): void {
  const want = packed(frame).map((v) => v & 0xffffff);
  const shown = client.screen.map((v) => v & 0xffffff);
  const lossyAt = [...client.lossy.keys()].filter((i) => client.lossy[i] === 1);
  const exact = [...client.lossy.keys()].filter((i) => client.lossy[i] === 0);
  expect(exact.filter((i) => shown[i] !== want[i]).length, 'lossless pixels that differ').to.equal(0);
  if (lossyAt.length > 0)
    expect(
      psnr(
        lossyAt.map((i) => shown[i]),
        lossyAt.map((i) => want[i]),
      ),
    ).to.be.above(db);
}

/** A client past the handshake on an in-process transport: pixel format, encodings, first full request. */
function connect(server: Awaited<ReturnType<typeof startServer>>, pf: PixelFormat, encodings: number[]) {
  const t = new MemoryTransport();
  server.accept(t);
  const setPf = Buffer.alloc(20);
  encodePixelFormat(pf, setPf, 4);
  const setEnc = Buffer.alloc(4 + 4 * encodings.length);
  setEnc[0] = 2;
  setEnc.writeUInt16BE(encodings.length, 2);
  for (const [i, e] of encodings.entries()) setEnc.writeInt32BE(e, 4 + 4 * i);
  t.sink.data(Buffer.concat([Buffer.from('RFB 003.008\n\x01\x01'), setPf, setEnc]));
  return t;
}

function request(t: MemoryTransport, frame: TestFrame, incremental: boolean): Buffer {
  const before = t.writes.length;
  const msg = Buffer.from([3, incremental ? 1 : 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  msg.writeUInt16BE(frame.width, 6);
  msg.writeUInt16BE(frame.height, 8);
  t.sink.data(msg);
  t.drain();
  expect(t.writes.length).to.equal(before + 1, 'one update');
  return t.writes[before];
}

describe('photographic(): which many-colour pieces Tight may send as JPEG', () => {
  const words = (w: number, h: number, f: (x: number, y: number) => number) =>
    Uint32Array.from({ length: w * h }, (_, i) => f(i % w, Math.floor(i / w)));

  it('a photo-like piece is; noise, a hard-edged sawtooth pattern and text strokes are not', () => {
    expect(
      photographic(
        words(64, 64, (x, y) => photoPixel(x, y, 3)),
        64,
        64,
      ),
    ).to.equal(true);
    expect(
      photographic(
        words(64, 64, (x, y) => Math.imul(x * 131 + y * 71, 2654435761) >>> 8),
        64,
        64,
      ),
    ).to.equal(false);
    const pattern = makeFrame(200, 120, 11, 0); // the browser test's frame: ramps that wrap every 20..85 px
    expect(photographic(packed(pattern), 200, 120)).to.equal(false);
    // black 1-px strokes every 6 px over a photo: text over a picture
    const text = words(96, 64, (x, y) => (x % 6 === 0 || y % 9 === 0 ? 0 : photoPixel(x, y, 1)));
    expect(photographic(text, 96, 64)).to.equal(false);
  });

  it('tiny pieces never are: under 8 px a side or under 1024 pixels', () => {
    for (const [w, h] of [
      [1, 1],
      [7, 200],
      [200, 7],
      [31, 32],
    ])
      expect(
        photographic(
          words(w, h, (x, y) => photoPixel(x, y, 2)),
          w,
          h,
        ),
        `${w}×${h}`,
      ).to.equal(false);
    expect(
      photographic(
        words(32, 32, (x, y) => photoPixel(x, y, 2)),
        32,
        32,
      ),
    ).to.equal(true);
    expect(
      photographic(
        words(2048, 8, (x, y) => photoPixel(x, y, 2)),
        2048,
        8,
      ),
    ).to.equal(true);
  });
});

describe('Tight JPEG in a session', () => {
  it('with a quality level: the photographic rect comes as JPEG (decoded by ffmpeg), the flat and noisy ones lossless', async () => {
    const frame = makeFrame(200, 100, 0, 3);
    fillRect(frame, 0, 0, 200, 100, 0x203040);
    const server = await startServer(frame, { listenTcp: false, maxBufferedBytes: 1 << 30 });
    try {
      const t = connect(server, SERVER_PIXEL_FORMAT, [Encoding.Tight, Encoding.QualityLevel0 + 6]);
      const client = new DecodingClient(XRGB, 200, 100);
      client.jpegDecoder = ffmpegDecodeJpeg;
      client.update(request(t, frame, false));
      expect(client.jpegRects).to.equal(0, 'a flat frame is one fill');

      paintPhoto(frame, new Rect(0, 0, 96, 64), 5);
      paintRect(frame, new Rect(100, 0, 160, 64), { kind: 'noise', colours: [0], seed: 9 });
      fillRect(frame, 170, 0, 200, 64, 0x00ff8800);
      server.damage([new Rect(0, 0, 96, 64), new Rect(100, 0, 160, 64), new Rect(170, 0, 200, 64)]);
      client.update(request(t, frame, true));
      expect(client.jpegRects).to.equal(1);
      const jpegAt = [...client.lossy.keys()].filter((i) => client.lossy[i] === 1);
      const photoAt = [...client.lossy.keys()].filter((i) => i % 200 < 96 && i < 64 * 200);
      expect(jpegAt).to.deep.equal(photoAt, 'the photo is the JPEG, nothing else');
      expectShows(client, frame, minDb(6));
      expect(server.stats().tightRects).to.be.greaterThan(0);
    } finally {
      await server.close();
    }
  });

  it('the same frames are exact without a quality level, with `jpeg: false`, and in RGB565 (no 3-byte TPIXEL)', async () => {
    for (const [options, pf, encodings] of [
      [{}, SERVER_PIXEL_FORMAT, [Encoding.Tight]],
      [{ jpeg: false }, SERVER_PIXEL_FORMAT, [Encoding.Tight, Encoding.QualityLevel0 + 9]],
      [{}, RGB565_LE, [Encoding.Tight, Encoding.QualityLevel0]],
    ] as const) {
      const frame = makeFrame(120, 90, 0, 1);
      paintPhoto(frame, new Rect(0, 0, 120, 90), 7);
      const server = await startServer(frame, { listenTcp: false, maxBufferedBytes: 1 << 30, ...options });
      try {
        const t = connect(server, pf, [...encodings]);
        const layout = { pf, cpixel: [3, 0] as [number, number], tpixelRgb: pf === SERVER_PIXEL_FORMAT };
        const client = new DecodingClient(layout, 120, 90);
        client.update(request(t, frame, false)); // no jpegDecoder: a JPEG rect would throw
        const raw = new Uint32Array(120 * 90);
        new PixelConverter(pf).convertWords(frame, 0, 0, 120, 90, raw);
        const mask = pf === SERVER_PIXEL_FORMAT ? 0xffffff : 0xffff;
        expect(client.screen.map((v) => v & mask)).to.deep.equal(raw.map((v) => v & mask));
      } finally {
        await server.close();
      }
    }
  });

  it('any frames and damage at any quality level with JPEG off decode exactly to what Raw shows', () => {
    fc.assert(
      fc.property(scenario, fc.integer({ min: 0, max: 9 }), (sc, quality) => {
        const frame = makeFrame(sc.w, sc.h, 0, 2);
        paintRect(frame, new Rect(0, 0, sc.w, sc.h), sc.first);
        const conv = new PixelConverter(SERVER_PIXEL_FORMAT);
        const encoders = new SessionEncoders(false);
        encoders.select(new Int32Array([Encoding.Tight, Encoding.QualityLevel0 + quality]));
        const client = new DecodingClient(XRGB, sc.w, sc.h);
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
            expectShows(client, frame, Infinity);
          }
        } finally {
          encoders.close();
        }
      }),
      { numRuns: 40 },
    );
  });

  it('any frames and damage with JPEG on: lossless pixels exact, JPEG pixels within the level’s bound', function () {
    this.timeout(120_000);
    let jpegs = 0;
    fc.assert(
      fc.property(scenario, fc.integer({ min: 0, max: 9 }), (sc, quality) => {
        const frame = makeFrame(sc.w, sc.h, 0, 2);
        paintRect(frame, new Rect(0, 0, sc.w, sc.h), { ...sc.first, kind: 'photo' });
        const conv = new PixelConverter(SERVER_PIXEL_FORMAT);
        const encoders = new SessionEncoders(true);
        encoders.select(new Int32Array([Encoding.Tight, Encoding.QualityLevel0 + quality]));
        const client = new DecodingClient(XRGB, sc.w, sc.h);
        client.jpegDecoder = ffmpegDecodeJpeg;
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
            expectShows(client, frame, minDb(quality) - 3);
          }
          jpegs += client.jpegRects;
        } finally {
          encoders.close();
        }
      }),
      { numRuns: 12 },
    );
    expect(jpegs).to.be.greaterThan(0, 'some pieces went as JPEG');
  });
});

describe('Tight JPEG: the lossless refresh (virtual time)', () => {
  const QUIET = DEFAULT_RFB_OPTIONS.losslessRefreshMs;
  const PHOTO = new Rect(0, 0, 96, 64);
  let scheduler: VirtualTimeScheduler;
  let server: Awaited<ReturnType<typeof startServer>>;
  afterEach(() => server.close());

  /** Lets `ms` of virtual time pass, running what falls due. */
  function advance(ms: number): void {
    const until = scheduler.now() + ms;
    scheduler.schedule(() => {}, ms);
    scheduler.maxFrames = until;
    scheduler.flush();
  }

  /** Sends an incremental request; returns the update written within the next `ms` (undefined: none). */
  function waitUpdate(t: MemoryTransport, frame: TestFrame, ms: number): Buffer | undefined {
    const before = t.writes.length;
    const msg = Buffer.from([3, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    msg.writeUInt16BE(frame.width, 6);
    msg.writeUInt16BE(frame.height, 8);
    t.sink.data(msg);
    t.drain();
    advance(ms);
    t.drain();
    expect(t.writes.length).to.be.at.most(before + 1);
    return t.writes[before];
  }

  /** A flat 200×100 desktop, then a photo painted at PHOTO and sent (as JPEG when the client may get JPEG). */
  async function photoSession(options: Partial<RfbOptions>, encodings: number[]) {
    scheduler = new VirtualTimeScheduler();
    const frame = makeFrame(200, 100, 0, 3);
    fillRect(frame, 0, 0, 200, 100, 0x203040);
    server = await startServer(frame, { listenTcp: false, maxBufferedBytes: 1 << 30, ...options }, scheduler);
    const t = connect(server, SERVER_PIXEL_FORMAT, encodings);
    const client = new DecodingClient(XRGB, 200, 100);
    client.jpegDecoder = ffmpegDecodeJpeg;
    client.update(request(t, frame, false));
    paintPhoto(frame, PHOTO, 5);
    server.damage([PHOTO]);
    client.update(request(t, frame, true));
    return { frame, t, client };
  }

  function exact(client: DecodingClient, frame: TestFrame): boolean {
    const want = packed(frame);
    return client.screen.every((v, i) => (v & 0xffffff) === (want[i] & 0xffffff));
  }

  it('a JPEG photo becomes exact once quiet for losslessRefreshMs: one update, no JPEG in it', async () => {
    const { frame, t, client } = await photoSession({}, [Encoding.Tight, Encoding.QualityLevel0 + 6]);
    expect(client.jpegRects).to.equal(1);
    expect(exact(client, frame), 'the JPEG is an approximation').to.equal(false);
    expect(waitUpdate(t, frame, QUIET - 1), 'nothing before the quiet period').to.equal(undefined);
    const refresh = t.writes.length;
    advance(1);
    t.drain();
    expect(t.writes.length).to.equal(refresh + 1, 'the refresh');
    client.update(t.writes[refresh]);
    expect(client.jpegRects).to.equal(1, 'the refresh used no JPEG');
    expect(client.lossy.every((l) => l === 0)).to.equal(true);
    expect(exact(client, frame), 'the client shows the frame exactly').to.equal(true);
    expect(waitUpdate(t, frame, 10 * QUIET), 'refreshed once').to.equal(undefined);
  });

  it('damage kept arriving on the JPEG region: no refresh until it stops; damage elsewhere does not delay it', async () => {
    const { frame, t, client } = await photoSession({}, [Encoding.Tight, Encoding.QualityLevel0 + 6]);
    for (const seed of [6, 7, 8, 9]) {
      if (seed % 2 === 0) {
        // the client waits: the change goes out at once
        expect(waitUpdate(t, frame, (QUIET * 3) / 4), 'no refresh while the photo changes').to.equal(
          undefined,
        );
        paintPhoto(frame, PHOTO, seed);
        server.damage([PHOTO]);
        t.drain();
      } else {
        // the client asks late: the change waits in the damage past the old quiet deadline
        advance((QUIET * 3) / 4);
        paintPhoto(frame, PHOTO, seed);
        server.damage([PHOTO]);
        advance(QUIET / 2);
        waitUpdate(t, frame, 0);
      }
      client.update(t.writes[t.writes.length - 1]);
      expect(client.jpegRects).to.equal(seed - 4, 'each change comes as JPEG');
    }
    expect(waitUpdate(t, frame, QUIET / 2)).to.equal(undefined);
    fillRect(frame, 150, 50, 200, 100, 0xff8800); // flat damage away from the photo
    server.damage([new Rect(150, 50, 200, 100)]);
    t.drain();
    client.update(t.writes[t.writes.length - 1]);
    const refresh = waitUpdate(t, frame, QUIET / 2);
    expect(refresh, 'the refresh, QUIET after the last photo change').to.not.equal(undefined);
    client.update(refresh as Buffer);
    expect(client.jpegRects).to.equal(5);
    expect(exact(client, frame)).to.equal(true);
  });

  it('a JPEG photo moved by CopyRect over the flat background: the copy is refreshed too', async () => {
    const { frame, t, client } = await photoSession({}, [
      Encoding.Tight,
      Encoding.QualityLevel0 + 6,
      Encoding.CopyRect,
    ]);
    advance(QUIET / 2);
    moveBlock(frame, PHOTO, 100, 30); // a window move: the photo to (100, 30), the background back where it was
    server.copyRect(PHOTO, 100, 30);
    fillRect(frame, 0, 0, 96, 64, 0x203040);
    server.damage([PHOTO]);
    client.update(request(t, frame, true));
    expect(client.encodings.has(Encoding.CopyRect)).to.equal(true);
    expect(client.jpegRects).to.equal(1, 'the photo moved, not re-sent');
    expect(exact(client, frame)).to.equal(false);
    const refresh = waitUpdate(t, frame, QUIET);
    expect(refresh, 'the refresh').to.not.equal(undefined);
    client.update(refresh as Buffer);
    expect(client.jpegRects).to.equal(1);
    expect(exact(client, frame), 'the moved photo is exact').to.equal(true);
  });

  it('nothing lossy, nothing refreshed: without a quality level, and with `jpeg: false`', async () => {
    for (const [options, encodings] of [
      [{}, [Encoding.Tight]],
      [{ jpeg: false }, [Encoding.Tight, Encoding.QualityLevel0 + 6]],
    ] as const) {
      const { frame, t, client } = await photoSession(options, [...encodings]);
      expect(client.jpegRects).to.equal(0);
      expect(exact(client, frame)).to.equal(true);
      expect(waitUpdate(t, frame, 10 * QUIET)).to.equal(undefined);
      await server.close();
    }
  });

  it('a client that disconnects leaves no refresh timer behind', async () => {
    const { t, client } = await photoSession({}, [Encoding.Tight, Encoding.QualityLevel0 + 6]);
    expect(client.jpegRects).to.equal(1);
    t.sink.closed();
    expect(scheduler.actions.length, 'timers pending after the close').to.equal(0);
  });

  it('a resize drops the JPEG region: the new frame comes whole and exact, then no refresh (nothing out of range)', async () => {
    const { frame, t, client } = await photoSession({}, [
      Encoding.Tight,
      Encoding.QualityLevel0 + 6,
      Encoding.DesktopSize,
    ]);
    expect(client.jpegRects).to.equal(1);
    const before = t.writes.length;
    t.sink.data(Uint8Array.of(3, 1, 0, 0, 0, 0, 0, 200, 0, 100));
    Object.assign(frame, makeFrame(60, 40, 4, 1));
    server.resize(60, 40);
    t.drain();
    const desktopSize = t.writes[before];
    expect(desktopSize.readInt32BE(4 + 8), 'DesktopSize alone').to.equal(Encoding.DesktopSize);
    expect([desktopSize.readUInt16BE(8), desktopSize.readUInt16BE(10)]).to.deep.equal([60, 40]);
    client.width = 60;
    client.height = 40;
    client.screen = new Uint32Array(60 * 40);
    client.update(waitUpdate(t, frame, 0) as Buffer);
    expect(exact(client, frame)).to.equal(true);
    expect(waitUpdate(t, frame, 10 * QUIET), 'no refresh of the old JPEG region').to.equal(undefined);
  });
});
