import 'reflect-metadata';
import { request } from 'node:http';
import { Rect } from '@fbemu/drm-fb-helper';
import { expect } from 'chai';
import { WebSocket } from 'ws';
import { Encoding } from '../rfb/protocol.js';
import type { RfbServer } from '../rfb/server.js';
import { RfbTestClient } from '../rfb/test-client.js';
import { fillRect, makeFrame, packed, startServer, type TestFrame } from '../rfb/test-support.js';
import type { ViewerServer } from './http.js';
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

  it('serves the page at / importing noVNC from /novnc/ and connecting to /websockify', async () => {
    const page = await get(viewer.port, '/');
    expect(page.status).to.equal(200);
    expect(page.type).to.match(/text\/html/);
    expect(page.body).to.include("from '/novnc/core/rfb.js'");
    expect(page.body).to.include('"/websockify"');
    expect(viewer.url).to.equal(`http://127.0.0.1:${viewer.port}/`);
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

  it('refuses to listen beyond loopback unless allowed (EACCES)', async () => {
    let error: unknown;
    await startViewer(rfb, { host: '0.0.0.0' }).catch((e) => {
      error = e;
    });
    expect(String(error)).to.match(/EACCES/);
  });
});
