import 'reflect-metadata';
import { Rect } from '@fbemu/drm-fb-helper';
import { expect } from 'chai';
import { Encoding } from './protocol.js';
import type { RfbServer } from './server.js';
import {
  connectTcp,
  fillRect,
  makeFrame,
  nextEvent,
  packed,
  startServer,
  type TestFrame,
} from './test-support.js';

/** Bytes a client sends after the handshake that the server must refuse, and why. */
const HOSTILE: { name: string; bytes: number[]; reason: RegExp }[] = [
  { name: 'an unknown message type', bytes: [7, 0, 0, 0], reason: /unknown client message type 7/ },
  {
    name: 'a 4 GiB ClientCutText',
    bytes: [6, 0, 0, 0, 0xff, 0xff, 0xff, 0xff],
    reason: /ClientCutText of 4294967295 bytes/,
  },
  { name: 'SetEncodings with 65535 entries', bytes: [2, 0, 0xff, 0xff], reason: /SetEncodings with 65535/ },
  {
    name: 'a colour-map SetPixelFormat',
    bytes: [0, 0, 0, 0, 8, 8, 0, 0, 0, 7, 0, 7, 0, 3, 0, 3, 6, 0, 0, 0],
    reason: /colour-map/,
  },
  {
    name: 'a 24 bpp SetPixelFormat',
    bytes: [0, 0, 0, 0, 24, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0, 0, 0, 0],
    reason: /bits-per-pixel 24/,
  },
  {
    name: 'a SetPixelFormat whose red channel overflows 16 bpp',
    bytes: [0, 0, 0, 0, 16, 16, 0, 1, 0, 63, 0, 63, 0, 31, 11, 5, 0, 0, 0, 0],
    reason: /red channel/,
  },
];

describe('RfbServer with hostile or broken clients', () => {
  let frame: TestFrame;
  let server: RfbServer;

  beforeEach(async () => {
    frame = makeFrame(16, 12);
    server = await startServer(frame);
  });
  afterEach(() => server.close());

  async function ready() {
    const c = await connectTcp(server);
    await c.client.handshake();
    c.client.setEncodings([Encoding.Raw]);
    c.client.requestUpdate(false);
    await c.client.readUpdate();
    return c;
  }

  for (const h of HOSTILE) {
    it(`closes the connection that sends ${h.name}, and keeps serving another client`, async () => {
      const good = await ready();
      const bad = await ready();
      const gone = nextEvent(server.events$, 'disconnected', bad.session);
      bad.client.send(Buffer.from(h.bytes));
      expect((await gone).reason).to.match(h.reason);
      await bad.client.closed;
      fillRect(frame, 0, 0, 2, 2, 0xfefefe);
      server.damage([new Rect(0, 0, 2, 2)]);
      good.client.requestUpdate(true);
      await good.client.readUpdate();
      expect(good.client.screen).to.deep.equal(packed(frame));
      expect(server.stats().clients).to.equal(1);
      good.client.close();
    });
  }

  it('closes on a bad ProtocolVersion string', async () => {
    const { client, session } = await connectTcp(server);
    const gone = nextEvent(server.events$, 'disconnected', session);
    await client.read(12);
    client.send(Buffer.from('HTTP/1.1 GET'));
    expect((await gone).reason).to.match(/bad ProtocolVersion/);
    await client.closed;
  });

  it('a client that disconnects in the middle of a message leaves the server serving others', async () => {
    const good = await ready();
    const bad = await ready();
    const gone = nextEvent(server.events$, 'disconnected', bad.session);
    bad.client.send(Buffer.from([3, 1, 0])); // the first 3 bytes of a FramebufferUpdateRequest
    bad.client.close();
    expect((await gone).reason).to.equal('peer closed');
    good.client.requestUpdate(false, 0, 0, 1, 1);
    expect((await good.client.readUpdate()).length).to.equal(1);
    good.client.close();
  });

  it('handles a whole session delivered one byte per packet', async () => {
    const { client, session } = await connectTcp(server);
    const seen = nextEvent(server.events$, 'pointer', session);
    await client.read(12);
    const script = Buffer.concat([
      Buffer.from('RFB 003.008\n'),
      Buffer.from([1, 1]), // security None, ClientInit shared
      Buffer.from([2, 0, 0, 2, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0x21]), // SetEncodings Raw, DesktopSize
      Buffer.from([3, 0, 0, 0, 0, 0, 0, 16, 0, 12]), // full update request
      Buffer.from([5, 1, 0, 3, 0, 4]), // pointer
    ]);
    for (const byte of script) client.send(Buffer.from([byte]));
    await client.read(2 + 4); // security list + SecurityResult
    expect((await client.serverInit()).name).to.equal('fbemu');
    await client.readUpdate();
    expect(client.screen).to.deep.equal(packed(frame));
    expect(await seen).to.deep.include({ buttonMask: 1, x: 3, y: 4 });
    client.close();
  });
});
