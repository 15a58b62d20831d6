import 'reflect-metadata';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { Rect } from '@fbemu/drm-fb-helper';
import { expect } from 'chai';
import { VirtualTimeScheduler } from 'rxjs';
import { WebSocket } from 'ws';
import { Encoding } from '../rfb/protocol.js';
import type { RfbServer } from '../rfb/server.js';
import { RfbTestClient } from '../rfb/test-client.js';
import { fillRect, makeFrame, nextEvent, packed, startServer, type TestFrame } from '../rfb/test-support.js';
import { MAX_WS_PAYLOAD, type ViewerServer } from './http.js';
import { startViewer } from './test-support.js';

/** A raw GET (no client-side path normalisation, so traversal attempts reach the server as typed). */
function get(
  port: number,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          type: String(res.headers['content-type']),
          body: Buffer.concat(chunks).toString(),
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * A hand-made WebSocket client that answers nothing (not even a close): resolves with the upgrade
 * status, then collects the server's frames (unmasked, short: opcode and payload).
 */
async function rawWebSocket(port: number): Promise<{
  status: number;
  socket: Socket;
  frames: { opcode: number; payload: Buffer }[];
  closed: Promise<void>;
  send(payload: Buffer): void;
}> {
  const socket = connect(port, '127.0.0.1');
  const frames: { opcode: number; payload: Buffer }[] = [];
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.on('error', () => {});
  socket.write(
    `GET /websockify HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  );
  let buf = Buffer.alloc(0);
  let status = 0;
  const upgraded = new Promise<void>((resolve) => {
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (status === 0) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        status = Number(buf.subarray(9, 12).toString());
        buf = buf.subarray(end + 4);
        resolve();
      }
      while (buf.length >= 2 && buf.length >= 2 + (buf[1] & 0x7f)) {
        frames.push({ opcode: buf[0] & 0x0f, payload: buf.subarray(2, 2 + (buf[1] & 0x7f)) });
        buf = buf.subarray(2 + (buf[1] & 0x7f));
      }
    });
    socket.on('close', () => resolve());
  });
  await upgraded;
  const send = (payload: Buffer) => {
    const mask = Buffer.from([1, 2, 3, 4]);
    const masked = payload.map((b, i) => b ^ mask[i % 4]);
    socket.write(Buffer.concat([Buffer.from([0x82, 0x80 | payload.length]), mask, masked]));
  };
  return { status, socket, frames, closed, send };
}

describe('ViewerServer', () => {
  let frame: TestFrame;
  let rfb: RfbServer;
  let viewer: ViewerServer;

  beforeEach(async () => {
    frame = makeFrame(24, 16);
    rfb = await startServer(frame, { listenTcp: false });
    viewer = await startViewer(rfb);
  });
  afterEach(async () => {
    await viewer.close();
    await rfb.close();
  });

  it('serves the page at / with one script, /viewer.js, holding every module noVNC needs, and a favicon', async () => {
    const page = await get(viewer.port, '/');
    expect(page.status).to.equal(200);
    expect(page.type).to.match(/text\/html/);
    expect([...page.body.matchAll(/<script\b[^>]*>/g)].map((m) => m[0])).to.deep.equal([
      '<script type="module" src="/viewer.js">',
    ]);
    expect(page.body).to.include('data-ws-path="/websockify"');
    expect(viewer.url).to.equal(`http://127.0.0.1:${viewer.port}/`);

    const script = await get(viewer.port, '/viewer.js');
    expect([script.status, script.type]).to.deep.equal([200, 'text/javascript; charset=utf-8']);
    const modules = JSON.parse(/^const modules = (.*);$/m.exec(script.body)![1]) as { path: string }[];
    expect(modules.at(-1)!.path).to.equal('core/rfb.js');
    for (const path of [
      'core/websock.js',
      'core/display.js',
      'core/util/browser.js',
      'vendor/pako/lib/zlib/inflate.js',
    ])
      expect(modules.map((m) => m.path)).to.include(path);

    for (const icon of ['/favicon.ico', '/favicon.svg'])
      expect(await get(viewer.port, icon)).to.include({ status: 200, type: 'image/svg+xml' });
  });

  it("serves noVNC's ES modules, including the relative imports of rfb.js", async () => {
    const rfbJs = await get(viewer.port, '/novnc/core/rfb.js');
    expect(rfbJs.status).to.equal(200);
    expect(rfbJs.type).to.match(/text\/javascript/);
    const imports = [...rfbJs.body.matchAll(/from '\.\/([^']+)'/g)].map((m) => m[1]);
    expect(imports.length).to.be.above(5);
    for (const rel of imports)
      expect((await get(viewer.port, `/novnc/core/${rel}`)).status, rel).to.equal(200);
  });

  for (const path of [
    '/novnc/../package.json',
    '/novnc/%2e%2e/%2e%2e/package.json',
    '/novnc/..%2f..%2f..%2fpackage.json',
    '/novnc/core/%00rfb.js',
    '/novnc/core%2frfb.js',
    '/novnc/core%2Frfb.js',
    '/novnc/core/..%5c..%5cpackage.json',
    '/novnc/core/',
    '/novnc/LICENSE.txt',
    '/etc/passwd',
  ]) {
    it(`answers 404 for ${path}`, async () => {
      expect((await get(viewer.port, path)).status).to.equal(404);
    });
  }

  it('carries RFB over WebSocket binary frames at /websockify (same protocol as TCP)', async () => {
    const client = await RfbTestClient.webSocket(`ws://127.0.0.1:${viewer.port}/websockify`);
    await client.handshake();
    client.setEncodings([Encoding.Raw, Encoding.CopyRect]);
    client.requestUpdate(false);
    await client.readUpdate();
    expect(client.screen).to.deep.equal(packed(frame));
    client.requestUpdate(true);
    fillRect(frame, 3, 4, 10, 6, 0x00c0ffee);
    rfb.damage([new Rect(3, 4, 10, 6)]);
    const rects = await client.readUpdate();
    expect(rects.map(({ x, y, w, h }) => [x, y, w, h])).to.deep.equal([[3, 4, 7, 2]]);
    expect(client.screen).to.deep.equal(packed(frame));
    client.close();
  });

  it('refuses a WebSocket from another origin (a web page the user happens to have open)', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${viewer.port}/websockify`, { origin: 'http://evil.example' });
    const status = await new Promise<number>((resolve) => {
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => resolve(-1));
    });
    expect(status).to.equal(403);
  });

  /** The status a WebSocket upgrade gets (-1: no HTTP answer), with the given Host and Origin. */
  function upgradeStatus(host: string, origin: string): Promise<number> {
    const ws = new WebSocket(`ws://127.0.0.1:${viewer.port}/websockify`, { origin, headers: { host } });
    return new Promise<number>((resolve) => {
      ws.on('upgrade', (res) => resolve(res.statusCode ?? 0));
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => resolve(-1));
    }).finally(() => ws.terminate());
  }

  it('refuses a DNS-rebound name in Host (page and WebSocket alike), accepts loopback names', async () => {
    const rebound = `rebind.example:${viewer.port}`;
    expect((await get(viewer.port, '/', { host: rebound })).status).to.equal(403);
    expect((await get(viewer.port, '/novnc/core/rfb.js', { host: rebound })).status).to.equal(403);
    expect(await upgradeStatus(rebound, `http://${rebound}`)).to.equal(403);
    for (const host of [`localhost:${viewer.port}`, `127.0.0.1:${viewer.port}`, `[::1]:${viewer.port}`]) {
      expect((await get(viewer.port, '/', { host })).status, host).to.equal(200);
      expect(await upgradeStatus(host, `http://${host}`), host).to.equal(101);
    }
  });

  it('accepts a name listed in allowedHosts', async () => {
    const named = await startViewer(rfb, { allowedHosts: ['Desk.example'] });
    try {
      const host = `desk.example:${named.port}`;
      expect((await get(named.port, '/', { host })).status).to.equal(200);
      expect((await get(named.port, '/', { host: `rebind.example:${named.port}` })).status).to.equal(403);
    } finally {
      await named.close();
    }
  });

  it('refuses (1009) a WebSocket message above MAX_WS_PAYLOAD, even sent as unfinished fragments', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${viewer.port}/websockify`);
    await new Promise((resolve) => ws.once('open', resolve));
    const code = new Promise<number>((resolve) => ws.once('close', (c: number) => resolve(c)));
    const fragment = Buffer.alloc(16 * 1024);
    for (let sent = 0; sent <= MAX_WS_PAYLOAD; sent += fragment.length) ws.send(fragment, { fin: false });
    expect(await code).to.equal(1009);
  });

  it('a refused WebSocket that ignores the close is dropped after closeGraceMs; beyond 2×maxClients open, 503 before the upgrade', async () => {
    const scheduler = new VirtualTimeScheduler();
    const small = await startServer(makeFrame(8, 8), { listenTcp: false, maxClients: 1 }, scheduler);
    const smallViewer = await startViewer(small);
    try {
      const first = await RfbTestClient.webSocket(`ws://127.0.0.1:${smallViewer.port}/websockify`);
      await first.handshake();
      const refused = nextEvent(small.events$, 'refused');
      const ignoring = await rawWebSocket(smallViewer.port);
      expect(ignoring.status).to.equal(101);
      expect((await refused).reason).to.match(/too many viewers/);
      ignoring.send(Buffer.from('RFB 003.008\n'));
      expect((await rawWebSocket(smallViewer.port)).status).to.equal(503);
      await new Promise<void>((resolve) => {
        const seen = () => ignoring.frames.some((f) => f.opcode === 8) && resolve();
        ignoring.socket.on('data', seen);
        seen();
      });
      const reason = ignoring.frames.map((f) => f.payload.toString('latin1')).join('');
      expect(reason).to.include('too many viewers (max 1) and none idle');
      scheduler.flush(); // the close grace passes in virtual time; the peer still has not answered
      await ignoring.closed;
      expect(small.hasRoom).to.equal(true);
      first.close();
    } finally {
      await smallViewer.close();
      await small.close();
    }
  });

  it('refuses to listen beyond loopback unless allowed (EACCES)', async () => {
    let error: unknown;
    await startViewer(rfb, { host: '0.0.0.0' }).catch((e) => {
      error = e;
    });
    expect(String(error)).to.match(/EACCES/);
  });
});
