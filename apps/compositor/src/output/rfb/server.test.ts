import 'reflect-metadata';
import { Rect } from '@fbemu/drm-fb-helper';
import { expect } from 'chai';
import { VirtualTimeScheduler } from 'rxjs';
import { SERVER_PIXEL_FORMAT } from './pixel-format.js';
import { Encoding } from './protocol.js';
import type { RfbServer } from './server.js';
import { RfbTestClient } from './test-client.js';
import {
  barrier,
  connectTcp,
  fillRect,
  makeFrame,
  moveBlock,
  nextEvent,
  packed,
  startServer,
  type TestFrame,
} from './test-support.js';

const ALL = [Encoding.CopyRect, Encoding.Raw, Encoding.DesktopSize];

describe('RfbServer over TCP', () => {
  let frame: TestFrame;
  let server: RfbServer;

  beforeEach(async () => {
    frame = makeFrame(40, 30);
    server = await startServer(frame, { desktopName: 'test desk' });
  });
  afterEach(() => server.close());

  /** A client past ServerInit that has received the whole frame once. */
  async function synced(encodings = ALL) {
    const c = await connectTcp(server);
    await c.client.handshake();
    c.client.setEncodings(encodings);
    c.client.requestUpdate(false);
    await c.client.readUpdate();
    return c;
  }

  describe('handshake', () => {
    it('3.8: offers None, sends SecurityResult OK, then ServerInit with the frame size, pixel format and name', async () => {
      const { client } = await connectTcp(server);
      const init = await client.handshake('003.008');
      expect(init).to.deep.equal({
        width: 40,
        height: 30,
        pixelFormat: { ...SERVER_PIXEL_FORMAT },
        name: 'test desk',
      });
      client.close();
    });

    for (const version of ['003.003', '003.007'] as const) {
      it(`${version}: completes its own security exchange and reaches ServerInit`, async () => {
        const { client } = await connectTcp(server);
        const init = await client.handshake(version);
        expect([init.width, init.height]).to.deep.equal([40, 30]);
        client.requestUpdate(false);
        await client.readUpdate();
        expect(client.screen).to.deep.equal(packed(frame));
        client.close();
      });
    }

    it('3.8: a client choosing another security type gets SecurityResult failed with a reason, then EOF', async () => {
      const { client, session } = await connectTcp(server);
      const gone = nextEvent(server.events$, 'disconnected', session);
      await client.read(12);
      client.send(Buffer.from('RFB 003.008\n'));
      await client.read(2);
      client.send(Buffer.from([2])); // VNC authentication, not offered
      const result = await client.read(8);
      expect(result.readUInt32BE(0)).to.equal(1);
      const reason = (await client.read(result.readUInt32BE(4))).toString('latin1');
      expect(reason).to.match(/security type 2/);
      expect((await gone).reason).to.match(/security type 2/);
      await client.closed;
    });
  });

  describe('updates', () => {
    it('a non-incremental request gets the whole frame as Raw', async () => {
      const { client } = await synced();
      expect(client.screen).to.deep.equal(packed(frame));
      client.close();
    });

    it('a non-incremental request for a sub-rect gets that rect only (clipped to the frame)', async () => {
      const { client } = await connectTcp(server);
      await client.handshake();
      client.setEncodings(ALL);
      client.requestUpdate(false, 30, 20, 100, 100);
      const rects = await client.readUpdate();
      expect(rects.map(({ x, y, w, h, encoding }) => ({ x, y, w, h, encoding }))).to.deep.equal([
        // a first-seen client is fully damaged, so the update covers everything it lacks
        { x: 0, y: 0, w: 40, h: 30, encoding: Encoding.Raw },
      ]);
      client.requestUpdate(false, 30, 20, 100, 100);
      const again = await client.readUpdate();
      expect(again.map(({ x, y, w, h }) => [x, y, w, h])).to.deep.equal([[30, 20, 10, 10]]);
      // inside the frame, (x, y, w, h) means the rect [x, x+w) × [y, y+h), not the corners (x, y)-(w, h)
      client.requestUpdate(false, 12, 5, 9, 20);
      const inside = await client.readUpdate();
      expect(inside.map(({ x, y, w, h }) => [x, y, w, h])).to.deep.equal([[12, 5, 9, 20]]);
      client.close();
    });

    it('an incremental request waits for damage, then gets only the damaged rects with the new pixels', async () => {
      const { client, session } = await synced();
      client.requestUpdate(true);
      await barrier(server, client, session);
      const before = server.stats().updates;
      fillRect(frame, 5, 6, 9, 8, 0x00ff8800);
      fillRect(frame, 20, 20, 23, 25, 0x000011ff);
      const pending = client.readUpdate();
      server.damage([new Rect(5, 6, 9, 8), new Rect(20, 20, 23, 25)]);
      const rects = await pending;
      expect(before).to.equal(1, 'no update was sent before the damage');
      expect(rects.map(({ x, y, w, h, encoding }) => [x, y, w, h, encoding])).to.deep.equal([
        [5, 6, 4, 2, Encoding.Raw],
        [20, 20, 3, 5, Encoding.Raw],
      ]);
      expect(client.screen).to.deep.equal(packed(frame));
      const stats = server.stats();
      // two updates (the first full frame and this one) against two full frames of 40×30×4 + headers
      expect(stats.fullFrameBytes).to.equal(2 * (16 + 40 * 30 * 4));
      expect(stats.rawPixels).to.equal(40 * 30 + 4 * 2 + 3 * 5);
      client.close();
    });

    it('damage without a request is held and coalesced until the client asks', async () => {
      const { client, session } = await synced();
      fillRect(frame, 0, 0, 4, 4, 0x111111);
      server.damage([new Rect(0, 0, 4, 4)]);
      fillRect(frame, 2, 2, 6, 6, 0x222222);
      server.damage([new Rect(2, 2, 6, 6)]);
      await barrier(server, client, session);
      expect(server.stats().updates).to.equal(1);
      client.requestUpdate(true);
      const rects = await client.readUpdate();
      const area = rects.reduce((s, r) => s + r.w * r.h, 0);
      expect(area).to.equal(16 + 16 - 4, 'the union, each pixel once');
      expect(client.screen).to.deep.equal(packed(frame));
      client.close();
    });

    it('damage outside the frame is clipped away; damage only outside sends nothing', async () => {
      const { client, session } = await synced();
      client.requestUpdate(true);
      server.damage([new Rect(40, 0, 50, 10), new Rect(-5, -5, 0, 0)]);
      await barrier(server, client, session);
      expect(server.stats().updates).to.equal(1);
      fillRect(frame, 38, 28, 40, 30, 0xabcdef);
      server.damage([new Rect(38, 28, 45, 35)]);
      const rects = await client.readUpdate();
      expect(rects.map(({ x, y, w, h }) => [x, y, w, h])).to.deep.equal([[38, 28, 2, 2]]);
      client.close();
    });

    it('more damage rects than the cap are snapped to a coarser grid, not one bounding box: two far clusters stay apart', async () => {
      await server.close();
      frame = makeFrame(400, 300);
      server = await startServer(frame, { maxRectsPerUpdate: 4 });
      const { client } = await synced();
      // three small rects near each of two far corners: six rects, cap four
      const rects = [0, 1, 2].flatMap((i) => [
        new Rect(i * 6, i * 4, i * 6 + 2, i * 4 + 2),
        new Rect(390 - i * 6, 290 - i * 4, 392 - i * 6, 292 - i * 4),
      ]);
      for (const r of rects) fillRect(frame, r.x1, r.y1, r.x2, r.y2, 0x0000ff);
      server.damage(rects);
      client.requestUpdate(true);
      const sent = await client.readUpdate();
      expect(sent.length).to.be.within(1, 4);
      // each cluster within its own 64 px grid square (the bounding box would be 392×292)
      expect(sent.map(({ x, y, w, h }) => [x, y, w, h])).to.deep.equal([
        [0, 0, 64, 64],
        [320, 256, 80, 44],
      ]);
      expect(client.screen).to.deep.equal(packed(frame));
      client.close();
    });

    it('each client has its own damage: a client that already pulled does not get it again', async () => {
      const a = await synced();
      const b = await synced();
      fillRect(frame, 1, 1, 3, 3, 0xabcdef);
      server.damage([new Rect(1, 1, 3, 3)]);
      a.client.requestUpdate(true);
      expect((await a.client.readUpdate()).map((r) => r.w * r.h)).to.deep.equal([4]);
      fillRect(frame, 10, 10, 11, 11, 0x123456);
      server.damage([new Rect(10, 10, 11, 11)]);
      a.client.requestUpdate(true);
      b.client.requestUpdate(true);
      expect((await a.client.readUpdate()).map((r) => r.w * r.h)).to.deep.equal([1]);
      expect((await b.client.readUpdate()).map((r) => r.w * r.h)).to.deep.equal([4, 1]);
      expect(a.client.screen).to.deep.equal(packed(frame));
      expect(b.client.screen).to.deep.equal(packed(frame));
      a.client.close();
      b.client.close();
    });
  });

  describe('DesktopSize', () => {
    it('a resize reaches a supporting client as DesktopSize alone, then the whole new frame', async () => {
      const { client } = await synced();
      client.requestUpdate(true);
      const bigger = makeFrame(50, 20, 9);
      Object.assign(frame, bigger);
      const pending = client.readUpdate();
      server.resize(50, 20);
      const rects = await pending;
      expect(rects.map(({ x, y, w, h, encoding }) => [x, y, w, h, encoding])).to.deep.equal([
        [0, 0, 50, 20, Encoding.DesktopSize],
      ]);
      client.requestUpdate(true);
      const full = await client.readUpdate();
      expect(full.map(({ x, y, w, h }) => [x, y, w, h])).to.deep.equal([[0, 0, 50, 20]]);
      expect(client.screen).to.deep.equal(packed(frame));
      client.close();
    });

    it('a client without DesktopSize is disconnected on resize; others keep being served', async () => {
      const old = await synced([Encoding.Raw]);
      const fresh = await synced();
      const gone = nextEvent(server.events$, 'disconnected', old.session);
      Object.assign(frame, makeFrame(20, 10, 4));
      server.resize(20, 10);
      old.client.requestUpdate(true);
      expect((await gone).reason).to.match(/DesktopSize/);
      await old.client.closed;
      fresh.client.requestUpdate(true);
      expect((await fresh.client.readUpdate())[0].encoding).to.equal(Encoding.DesktopSize);
      fresh.client.close();
    });

    it('resize() with a size the frame does not have is EINVAL', () => {
      expect(() => server.resize(41, 30)).to.throw(/EINVAL/);
    });
  });

  describe('CopyRect', () => {
    it('is sent to a client that supports it and whose copy of the source is current', async () => {
      const { client } = await synced();
      const src = new Rect(2, 3, 12, 9);
      moveBlock(frame, src, 20, 15);
      server.copyRect(src, 20, 15);
      client.requestUpdate(true);
      const rects = await client.readUpdate();
      expect(rects.map(({ x, y, w, h, encoding }) => [x, y, w, h, encoding])).to.deep.equal([
        [20, 15, 10, 6, Encoding.CopyRect],
      ]);
      expect([rects[0].data.readUInt16BE(0), rects[0].data.readUInt16BE(2)]).to.deep.equal([2, 3]);
      expect(client.screen).to.deep.equal(packed(frame));
      expect(server.stats().copyRects).to.equal(1);
      client.close();
    });

    it('goes out as Raw to a client without CopyRect', async () => {
      const { client } = await synced([Encoding.Raw]);
      const src = new Rect(0, 0, 5, 5);
      moveBlock(frame, src, 30, 20);
      server.copyRect(src, 30, 20);
      client.requestUpdate(true);
      const rects = await client.readUpdate();
      expect(rects.map(({ x, y, w, h, encoding }) => [x, y, w, h, encoding])).to.deep.equal([
        [30, 20, 5, 5, Encoding.Raw],
      ]);
      expect(client.screen).to.deep.equal(packed(frame));
      client.close();
    });

    it('goes out as Raw when the source has damage the client has not received', async () => {
      const { client } = await synced();
      fillRect(frame, 3, 3, 4, 4, 0xff0000);
      server.damage([new Rect(3, 3, 4, 4)]);
      const src = new Rect(0, 0, 6, 6);
      moveBlock(frame, src, 30, 20);
      server.copyRect(src, 30, 20);
      client.requestUpdate(true);
      const rects = await client.readUpdate();
      expect(rects.every((r) => r.encoding === Encoding.Raw)).to.equal(true);
      expect(client.screen).to.deep.equal(packed(frame));
      client.close();
    });

    it('keeps chained moves and later damage consistent (copies first, then raw)', async () => {
      const { client } = await synced();
      const a = new Rect(0, 0, 8, 8);
      moveBlock(frame, a, 10, 10);
      server.copyRect(a, 10, 10);
      fillRect(frame, 0, 0, 8, 8, 0x000000); // what the move uncovered
      server.damage([a]);
      const b = new Rect(10, 10, 18, 18);
      moveBlock(frame, b, 25, 5);
      server.copyRect(b, 25, 5);
      client.requestUpdate(true);
      const rects = await client.readUpdate();
      expect(rects.map((r) => r.encoding)).to.deep.equal([
        Encoding.CopyRect,
        Encoding.CopyRect,
        Encoding.Raw,
      ]);
      expect(client.screen).to.deep.equal(packed(frame));
      client.close();
    });

    it('rejects rects outside the frame with EINVAL', () => {
      expect(() => server.copyRect(new Rect(35, 0, 45, 5), 0, 0)).to.throw(/EINVAL/);
      expect(() => server.copyRect(new Rect(0, 0, 10, 10), 35, 0)).to.throw(/EINVAL/);
    });
  });

  describe('client input', () => {
    it('KeyEvent, PointerEvent and ClientCutText come out of events$', async () => {
      const { client, session } = await synced();
      const key = nextEvent(server.events$, 'key', session);
      const pointer = nextEvent(server.events$, 'pointer', session);
      const cut = nextEvent(server.events$, 'cutText', session);
      client.keyEvent(true, 0x61);
      client.pointerEvent(5, 17, 29);
      client.cutText('héllo');
      expect(await key).to.deep.equal({ type: 'key', session, down: true, keysym: 0x61 });
      expect(await pointer).to.deep.equal({ type: 'pointer', session, buttonMask: 5, x: 17, y: 29 });
      expect(await cut).to.deep.equal({ type: 'cutText', session, text: 'héllo' });
      client.close();
    });
  });

  describe('lifecycle', () => {
    it('close() disconnects clients and stops listening', async () => {
      const { client } = await synced();
      const port = server.port;
      await server.close();
      await client.closed;
      let refused = false;
      await RfbTestClient.tcp(port).then(
        (c) => c.close(),
        () => {
          refused = true;
        },
      );
      expect(refused).to.equal(true);
    });
  });
});

describe('RfbServer configuration', () => {
  it('refuses a non-loopback TCP bind unless allowed (EACCES)', async () => {
    let error: unknown;
    await startServer(makeFrame(4, 4), { host: '0.0.0.0' }).catch((e) => {
      error = e;
    });
    expect(String(error)).to.match(/EACCES/);
  });

  it('rejects a frame that does not fit its pixel array (EINVAL)', async () => {
    const f = makeFrame(10, 10);
    let error: unknown;
    await startServer({ ...f, pixels: f.pixels.subarray(0, 50) }).catch((e) => {
      error = e;
    });
    expect(String(error)).to.match(/EINVAL/);
  });

  it('refuses a connection above maxClients with an RFB failure reason and keeps serving the others', async () => {
    const server = await startServer(makeFrame(8, 8), { maxClients: 1 });
    try {
      const first = await RfbTestClient.tcp(server.port);
      await first.handshake();
      const refused = nextEvent(server.events$, 'refused');
      const second = await RfbTestClient.tcp(server.port);
      expect((await second.read(12)).toString('latin1')).to.equal('RFB 003.008\n');
      second.send(Buffer.from('RFB 003.008\n'));
      // RFC 6143 §7.1.2: zero security types, then the reason
      const head = await second.read(5);
      expect(head[0]).to.equal(0);
      const reason = (await second.read(head.readUInt32BE(1))).toString('latin1');
      expect(reason).to.equal('too many viewers (max 1) and none idle');
      await second.closed;
      expect(await refused).to.include({ reason, dropped: false, transport: 'tcp' });
      first.requestUpdate(false);
      expect((await first.readUpdate()).length).to.be.greaterThan(0);
      first.close();
    } finally {
      await server.close();
    }
  });

  it('closes a client that never completes the handshake, on the injected scheduler', async () => {
    const scheduler = new VirtualTimeScheduler();
    const server = await startServer(makeFrame(8, 8), { handshakeTimeoutMs: 5000 }, scheduler);
    try {
      const connected = nextEvent(server.events$, 'connected');
      const silent = await RfbTestClient.tcp(server.port);
      await connected;
      const gone = nextEvent(server.events$, 'disconnected');
      scheduler.flush(); // 5 s of virtual time pass without a ProtocolVersion
      expect((await gone).reason).to.match(/no handshake within 5000 ms/);
      await silent.closed;
    } finally {
      await server.close();
    }
  });
});
