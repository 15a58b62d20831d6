import 'reflect-metadata';
import { Rect } from '@fbemu/drm-fb-helper';
import { expect } from 'chai';
import { encodePixelFormat, type PixelFormat, SERVER_PIXEL_FORMAT } from './pixel-format.js';
import { Encoding } from './protocol.js';
import type { RfbServer } from './server.js';
import {
  MemoryTransport,
  makeFrame,
  NOVNC_RGBX,
  packed,
  startServer,
  type TestFrame,
} from './test-support.js';

function updateRequest(incremental: boolean, w: number, h: number): Buffer {
  const b = Buffer.from([3, incremental ? 1 : 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  b.writeUInt16BE(w, 6);
  b.writeUInt16BE(h, 8);
  return b;
}

/** A Raw + CopyRect + DesktopSize client in `pf` (32 bpp): its screen in client words, checked rect by rect. */
class RawClient {
  readonly t = new MemoryTransport();
  width = 0;
  height = 0;
  screen = new Uint32Array(0);
  private seen = 0;
  constructor(
    server: RfbServer,
    readonly pf: PixelFormat,
  ) {
    server.accept(this.t);
    this.t.sink.data(Buffer.from('RFB 003.008\n\x01\x01'));
    const init = this.t.written.subarray(12 + 2 + 4);
    this.resizeTo(init.readUInt16BE(0), init.readUInt16BE(2));
    this.seen = this.t.writes.length;
    const spf = Buffer.alloc(20);
    encodePixelFormat(pf, spf, 4);
    this.t.sink.data(spf);
    this.t.sink.data(Buffer.from([2, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0x21]));
  }
  request(incremental: boolean): void {
    this.t.sink.data(updateRequest(incremental, this.width, this.height));
  }
  /** Applies every update written since the last call; a rect outside the screen it knows fails the test. */
  receive(): void {
    this.t.drain();
    for (const u of this.t.writes.slice(this.seen)) this.apply(u);
    this.seen = this.t.writes.length;
  }
  private resizeTo(w: number, h: number): void {
    [this.width, this.height] = [w, h];
    this.screen = new Uint32Array(w * h);
  }
  private apply(u: Buffer): void {
    expect(u[0]).to.equal(0, 'a FramebufferUpdate');
    let at = 4;
    for (let n = u.readUInt16BE(2); n > 0; n--) {
      const [x, y, w, h, enc] = [0, 2, 4, 6].map((o) => u.readUInt16BE(at + o)).concat(u.readInt32BE(at + 8));
      at += 12;
      if (enc === Encoding.DesktopSize) {
        this.resizeTo(w, h);
        continue;
      }
      expect(
        x + w <= this.width && y + h <= this.height,
        `rect ${w}x${h} at (${x},${y}) on a ${this.width}x${this.height} screen`,
      ).to.be.true;
      if (enc === Encoding.CopyRect) {
        const [sx, sy] = [u.readUInt16BE(at), u.readUInt16BE(at + 2)];
        at += 4;
        const old = this.screen.slice();
        for (let j = 0; j < h; j++)
          this.screen.set(
            old.subarray((sy + j) * this.width + sx, (sy + j) * this.width + sx + w),
            (y + j) * this.width + x,
          );
        continue;
      }
      expect(enc).to.equal(Encoding.Raw);
      for (let j = 0; j < h; j++, at += w * 4)
        for (let i = 0; i < w; i++) this.screen[(y + j) * this.width + x + i] = u.readUInt32LE(at + i * 4);
    }
    expect(at).to.equal(u.length);
  }
}

/** `f`'s pixels as a client in `pf` (8-bit channels at byte shifts) holds them. */
function inFormat(f: TestFrame, pf: PixelFormat): Uint32Array {
  return packed(f).map(
    (p) =>
      (((p >> 16) & 0xff) << pf.redShift) |
      (((p >> 8) & 0xff) << pf.greenShift) |
      ((p & 0xff) << pf.blueShift),
  );
}

describe('RfbSession: a frame swapped for another size before its resize()', () => {
  let server: RfbServer | undefined;
  afterEach(() => server?.close());

  for (const refineDamage of [true, false])
    for (const [name, pf] of [
      ['server format', SERVER_PIXEL_FORMAT],
      ['RGBX (the SIMD swizzle reading the copy in place)', NOVNC_RGBX],
    ] as const)
      for (const [from, to] of [
        [
          [300, 100],
          [21, 9],
        ],
        [
          [21, 9],
          [300, 100],
        ],
      ])
        it(`${from.join('x')} → ${to.join('x')}, ${name}, refineDamage ${refineDamage}: no rect outside the client's screen; DesktopSize first, then the new frame`, async () => {
          const frame = makeFrame(from[0], from[1]);
          server = await startServer(frame, { listenTcp: false, refineDamage });
          const c = new RawClient(server, pf);
          c.request(false);
          c.receive();
          c.request(true);
          // the client asked again and has the old size; damage is pending when the frame is swapped
          Object.assign(frame, makeFrame(to[0], to[1], 5));
          expect(() => server!.damage([new Rect(0, 0, 4, 4)])).not.to.throw();
          c.receive();
          expect([c.width, c.height]).to.deep.equal(to, 'the client learnt the new size');
          server.resize(to[0], to[1]);
          for (let i = 0; i < 3; i++) {
            c.request(true);
            c.receive();
          }
          expect(c.t.closed).to.equal(false);
          expect([c.width, c.height]).to.deep.equal(to);
          expect(c.screen).to.deep.equal(inFormat(frame, pf));
        });

  it('the swapped frame reaches the client through a copy or a request too, never in the old coordinates', async () => {
    const frame = makeFrame(300, 100);
    server = await startServer(frame, { listenTcp: false, refineDamage: false });
    const c = new RawClient(server, SERVER_PIXEL_FORMAT);
    c.request(false);
    c.receive();
    Object.assign(frame, makeFrame(40, 30, 2));
    server.copyRect(new Rect(0, 0, 8, 8), 20, 20);
    c.t.sink.data(updateRequest(false, 300, 100)); // the client still thinks 300x100
    c.receive();
    c.request(true);
    c.receive();
    expect(c.t.closed).to.equal(false);
    expect([c.width, c.height]).to.deep.equal([40, 30]);
    expect(c.screen).to.deep.equal(packed(frame));
  });
});

describe('RfbSession: an encoder failure', () => {
  it("closes that session with the reason and does not throw into the server's caller", async () => {
    const frame = makeFrame(16, 8);
    const server = await startServer(frame, { listenTcp: false, refineDamage: false });
    try {
      const broken = new RawClient(server, SERVER_PIXEL_FORMAT);
      const fine = new RawClient(server, SERVER_PIXEL_FORMAT);
      broken.request(false);
      fine.request(false);
      broken.receive();
      fine.receive();
      broken.request(true);
      fine.request(true);
      // a converter that fails: stands for any bug in an encoder
      const sessions = (server as unknown as { sessions: Set<{ transport: unknown; converter: object }> })
        .sessions;
      const session = [...sessions].find((s) => s.transport === broken.t)!;
      session.converter = {
        bytesPerPixel: 4,
        convertRect() {
          throw new Error('encoder bug');
        },
      };
      const reasons: string[] = [];
      server.events$.subscribe((e) => e.type === 'disconnected' && reasons.push(e.reason));
      frame.pixels[0] = 0x123456;
      expect(() => server.damage([new Rect(0, 0, 1, 1)])).not.to.throw();
      expect(reasons).to.deep.equal(['internal error: encoder bug']);
      fine.receive();
      expect(fine.screen).to.deep.equal(packed(frame), 'the other client was served');
    } finally {
      await server.close();
    }
  });
});
