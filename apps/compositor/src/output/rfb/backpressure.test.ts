import 'reflect-metadata';
import { Rect } from '@fbemu/drm-fb-helper';
import { expect } from 'chai';
import { Encoding } from './protocol.js';
import type { RfbServer } from './server.js';
import { fillRect, MemoryTransport, makeFrame, startServer } from './test-support.js';

function updateRequest(incremental: boolean, w: number, h: number): Buffer {
  const b = Buffer.from([3, incremental ? 1 : 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  b.writeUInt16BE(w, 6);
  b.writeUInt16BE(h, 8);
  return b;
}

/** Rect headers of a FramebufferUpdate in server format (32 bpp Raw or CopyRect). */
function rectsOf(update: Buffer): number[][] {
  const out: number[][] = [];
  let at = 4;
  for (let i = 0; i < update.readUInt16BE(2); i++) {
    const [x, y, w, h, enc] = [
      update.readUInt16BE(at),
      update.readUInt16BE(at + 2),
      update.readUInt16BE(at + 4),
      update.readUInt16BE(at + 6),
      update.readInt32BE(at + 8),
    ];
    out.push([x, y, w, h]);
    at += 12 + (enc === Encoding.Raw ? w * h * 4 : 4);
  }
  return out;
}

describe('RfbServer backpressure', () => {
  let server: RfbServer;
  afterEach(() => server.close());

  it('writes nothing while the transport is backed up, then one update with the coalesced damage', async () => {
    const frame = makeFrame(64, 32);
    server = await startServer(frame, { maxBufferedBytes: 1000, listenTcp: false });
    const t = new MemoryTransport();
    server.accept(t);
    t.sink.data(Buffer.from('RFB 003.008\n\x01\x01'));
    t.sink.data(Buffer.from([2, 0, 0, 1, 0, 0, 0, 0]));
    t.sink.data(updateRequest(false, 64, 32));
    const handshakeWrites = 4; // version, security list, SecurityResult, ServerInit
    expect(t.writes.length).to.equal(handshakeWrites + 1, 'the first full frame went out');
    expect(t.bufferedBytes).to.be.above(1000);

    // The client keeps asking and the compositor keeps damaging, but nothing more is queued.
    for (let i = 0; i < 10; i++) {
      t.sink.data(updateRequest(true, 64, 32));
      fillRect(frame, i, i, i + 2, i + 2, 0x010101 * (i + 1));
      server.damage([new Rect(i, i, i + 2, i + 2)]);
    }
    expect(t.writes.length).to.equal(handshakeWrites + 1);

    t.drain();
    expect(t.writes.length).to.equal(handshakeWrites + 2);
    const area = rectsOf(t.writes.at(-1)!).reduce((s, [, , w, h]) => s + w * h, 0);
    expect(area).to.equal(10 * 4 - 9, 'ten overlapping 2×2 squares on a diagonal, each pixel once');
  });

  it('an incremental request without a resize or damage is answered by nothing', async () => {
    const frame = makeFrame(8, 8);
    server = await startServer(frame, { listenTcp: false });
    const t = new MemoryTransport();
    server.accept(t);
    t.sink.data(Buffer.from('RFB 003.008\n\x01\x01'));
    t.sink.data(updateRequest(false, 8, 8));
    t.sink.data(updateRequest(true, 8, 8));
    t.drain();
    expect(t.writes.length).to.equal(5);
    fillRect(frame, 1, 1, 2, 2, 0xabcdef);
    server.damage([new Rect(1, 1, 2, 2)]);
    expect(rectsOf(t.writes.at(-1)!)).to.deep.equal([[1, 1, 1, 1]]);
  });
});
