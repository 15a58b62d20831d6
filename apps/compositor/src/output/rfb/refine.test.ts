import 'reflect-metadata';
import { Rect } from '@fbemu/drm-fb-helper';
import { expect } from 'chai';
import fc from 'fast-check';
import { SERVER_PIXEL_FORMAT } from './pixel-format.js';
import { Encoding } from './protocol.js';
import type { RfbServer } from './server.js';
import { TILE_HEIGHT, TILE_WIDTH } from './shadow.js';
import { DecodingClient, type WireLayout } from './test-decoders.js';
import { fillRect, MemoryTransport, makeFrame, moveBlock, packed, startServer } from './test-support.js';

const XRGB: WireLayout = { pf: SERVER_PIXEL_FORMAT, cpixel: [3, 0], tpixelRgb: true };
const HANDSHAKE_WRITES = 4; // version, security list, SecurityResult, ServerInit

/** An in-process client: a memory transport whose updates are decoded into its own screen. */
class Viewer {
  readonly t = new MemoryTransport();
  readonly client: DecodingClient;
  private decoded = HANDSHAKE_WRITES;
  constructor(server: RfbServer, encodings: number[]) {
    const { width, height } = server.frame;
    this.client = new DecodingClient(XRGB, width, height);
    server.accept(this.t);
    this.t.sink.data(Buffer.from('RFB 003.008\n\x01\x01'));
    const set = Buffer.alloc(4 + 4 * encodings.length);
    set[0] = 2;
    set.writeUInt16BE(encodings.length, 2);
    for (const [i, e] of encodings.entries()) set.writeInt32BE(e, 4 + 4 * i);
    this.t.sink.data(set);
    this.request(false);
  }

  request(incremental: boolean): void {
    const b = Buffer.from([3, incremental ? 1 : 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]);
    this.t.sink.data(b);
    this.t.drain();
  }

  /** Decodes every update written since the last call; returns their rects' headers. */
  decode(): number[][][] {
    const updates: number[][][] = [];
    for (; this.decoded < this.t.writes.length; this.decoded++) {
      const bytes = this.t.writes[this.decoded];
      const rects: number[][] = [];
      for (let i = 0, at = 4; i < bytes.readUInt16BE(2) && at + 12 <= bytes.length; i++, at += 12)
        rects.push([0, 2, 4, 6].map((o) => bytes.readUInt16BE(at + o)));
      // DesktopSize goes alone (server.ts): a new screen (zlib streams go on); pixels follow later.
      if (bytes.readInt32BE(12) === Encoding.DesktopSize) {
        [this.client.width, this.client.height] = [rects[0][2], rects[0][3]];
        this.client.screen = new Uint32Array(rects[0][2] * rects[0][3]);
      } else this.client.update(bytes);
      updates.push(rects);
    }
    return updates;
  }
}

describe('RfbServer damage refinement (refineDamage)', () => {
  let server: RfbServer;
  afterEach(() => server.close());

  it('a frame rewritten with identical pixels produces no update', async () => {
    const frame = makeFrame(100, 70);
    server = await startServer(frame, { listenTcp: false });
    const v = new Viewer(server, [Encoding.Raw]);
    expect(v.decode()).to.have.length(1);
    v.request(true);
    frame.pixels.set(frame.pixels.slice()); // every word written again
    server.damage([new Rect(0, 0, 100, 70)]);
    expect(v.decode()).to.deep.equal([]);
    expect(server.stats().updates).to.equal(1);
  });

  it('one changed pixel inside a large damaged rect is sent as exactly its tile', async () => {
    const frame = makeFrame(200, 100);
    server = await startServer(frame, { listenTcp: false });
    const v = new Viewer(server, [Encoding.Raw]);
    v.decode();
    v.request(true);
    const [x, y] = [TILE_WIDTH * 2 + 5, TILE_HEIGHT + 7];
    frame.pixels[y * frame.stride + x] ^= 0x10101;
    server.damage([new Rect(0, 0, 200, 100)]);
    expect(v.decode()).to.deep.equal([[[TILE_WIDTH * 2, TILE_HEIGHT, TILE_WIDTH, TILE_HEIGHT]]]);
    expect(v.client.screen).to.deep.equal(packed(frame));
  });

  it('a change at the frame edge is sent as its tile clipped to the damage', async () => {
    const frame = makeFrame(70, 40);
    server = await startServer(frame, { listenTcp: false });
    const v = new Viewer(server, [Encoding.Raw]);
    v.decode();
    v.request(true);
    fillRect(frame, 69, 39, 70, 40, 0xabcdef);
    server.damage([new Rect(66, 35, 70, 40)]);
    expect(v.decode()).to.deep.equal([[[66, 35, 4, 5]]]);
  });

  it('off (refineDamage: false): the damage is sent as reported', async () => {
    const frame = makeFrame(100, 70);
    server = await startServer(frame, { listenTcp: false, refineDamage: false });
    const v = new Viewer(server, [Encoding.Raw]);
    v.decode();
    v.request(true);
    server.damage([new Rect(0, 0, 100, 70)]);
    expect(v.decode()).to.deep.equal([[[0, 0, 100, 70]]]);
  });

  it('a pixel written and written back before its damage: a viewer that read in between still converges', async () => {
    const frame = makeFrame(64, 32);
    server = await startServer(frame, { listenTcp: false });
    const v = new Viewer(server, [Encoding.Raw]);
    v.decode();
    frame.pixels[0] = 0x0000b0;
    server.damage([new Rect(0, 0, 1, 1)]); // B, reported; the viewer has not asked yet
    frame.pixels[0] = 0x0000c0; // C, written, its damage not yet reported (defio's delay)
    v.request(true); // the viewer is sent pixel 0 as it stands
    frame.pixels[0] = 0x0000b0; // B again, then the damage
    server.damage([new Rect(0, 0, 1, 1)]);
    v.request(true);
    v.decode();
    expect(v.client.screen).to.deep.equal(packed(frame));
  });

  it('damage with no viewer is not compared; a viewer connecting later gets the current frame', async () => {
    const frame = makeFrame(64, 32);
    server = await startServer(frame, { listenTcp: false });
    fillRect(frame, 3, 3, 50, 20, 0x00ff00);
    server.damage([new Rect(3, 3, 50, 20)]);
    const v = new Viewer(server, [Encoding.Raw]);
    v.decode();
    expect(v.client.screen).to.deep.equal(packed(frame));
  });

  it('resize: the copy is taken anew and every viewer gets the new frame', async () => {
    const frame = makeFrame(64, 48);
    server = await startServer(frame, { listenTcp: false });
    const v = new Viewer(server, [Encoding.Raw, Encoding.DesktopSize]);
    v.decode();
    v.request(true);
    Object.assign(frame, makeFrame(50, 60, 9));
    server.resize(50, 60);
    v.request(true);
    v.decode();
    expect([v.client.width, v.client.height]).to.deep.equal([50, 60]);
    expect(v.client.screen).to.deep.equal(packed(frame));
  });

  /** Interleaved writes, damage (as written or wider), copies and two viewers' requests. */
  const step = fc.oneof(
    fc.record({
      kind: fc.constant('write' as const),
      x: fc.nat(79),
      y: fc.nat(59),
      w: fc.integer({ min: 1, max: 40 }),
      h: fc.integer({ min: 1, max: 40 }),
      value: fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: 0xffffff })), // -1: write back the old
    }),
    fc.record({ kind: fc.constant('damage' as const), wider: fc.boolean() }),
    fc.record({
      kind: fc.constant('copy' as const),
      sx: fc.nat(60),
      sy: fc.nat(40),
      dx: fc.nat(60),
      dy: fc.nat(40),
    }),
    fc.record({ kind: fc.constant('request' as const), viewer: fc.nat(1) }),
    fc.record({ kind: fc.constant('resize' as const), w: fc.integer({ min: 20, max: 80 }) }),
  );

  it('two viewers at different update points both converge to the exact frame (property)', async () => {
    const frame = makeFrame(80, 60);
    server = await startServer(frame, { listenTcp: false, maxBufferedBytes: 1 << 30 });
    const encodings = fc.constantFrom(Encoding.Raw, Encoding.ZRLE, Encoding.Hextile, Encoding.Tight);
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), encodings, encodings, (steps, e0, e1) => {
        Object.assign(frame, makeFrame(80, 60));
        server.resize(80, 60);
        const viewers = [e0, e1].map((e) => new Viewer(server, [Encoding.CopyRect, e, Encoding.DesktopSize]));
        let shown = packed(frame); // the frame as last reported: the old pixels a write may put back
        let pending: Rect[] = [];
        const report = (wider: boolean) => {
          server.damage(wider ? [new Rect(0, 0, frame.width, frame.height)] : pending);
          pending = [];
          shown = packed(frame);
        };
        try {
          for (const s of steps) {
            const { width, height, stride } = frame;
            if (s.kind === 'write') {
              const r = new Rect(s.x, s.y, s.x + s.w, s.y + s.h).clipTo(width, height);
              for (let y = r.y1; y < r.y2; y++)
                for (let x = r.x1; x < r.x2; x++)
                  frame.pixels[y * stride + x] = s.value < 0 ? shown[y * width + x] : s.value;
              pending.push(r);
            } else if (s.kind === 'damage') report(s.wider);
            else if (s.kind === 'request') viewers[s.viewer].request(true);
            else if (s.kind === 'copy') {
              const src = new Rect(s.sx, s.sy, s.sx + 20, s.sy + 20);
              if (!src.clipTo(width, height).equals(src) || s.dx + 20 > width) continue;
              report(false); // the compositor composites before it moves pixels
              moveBlock(frame, src, s.dx, s.dy);
              server.copyRect(src, s.dx, s.dy);
              shown = packed(frame);
            } else {
              Object.assign(frame, makeFrame(s.w, height, s.w));
              server.resize(s.w, height);
              pending = [];
              shown = packed(frame);
            }
          }
          report(false);
          for (const v of viewers) {
            v.request(true);
            v.request(true); // a DesktopSize goes alone, the new screen's pixels with the next
            v.decode();
            expect(v.client.screen).to.deep.equal(packed(frame));
          }
        } finally {
          for (const v of viewers) v.t.sink.closed();
        }
      }),
      { numRuns: 200 },
    );
    expect(server.stats().copyRects).to.be.above(0);
  });
});
