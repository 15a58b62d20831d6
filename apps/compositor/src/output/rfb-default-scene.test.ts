import 'reflect-metadata';
import { SCHEDULER } from '@fbemu/fbdev-defio';
import { expect } from 'chai';
import { Container, ContainerModule } from 'inversify';
import { asyncScheduler } from 'rxjs';
import { CompositorApp } from '../app/app.js';
import { createAppContainer } from '../app/container.js';
import { realTimeScheduler } from '../app/real-time-scheduler.js';
import { DEFAULT_SCENE } from '../config/scene-config.js';
import { encodePixelFormat, PixelConverter } from './rfb/pixel-format.js';
import { Encoding } from './rfb/protocol.js';
import { DEFAULT_RFB_OPTIONS, RfbServer } from './rfb/server.js';
import { DecodingClient } from './rfb/test-decoders.js';
import { NOVNC_RGBX } from './rfb/test-support.js';
import type { ByteTransport, TransportSink } from './rfb/transport.js';
import { OUTPUTS, RFB_OPTIONS } from './tokens.js';

/** What noVNC 1.7 lists in SetEncodings, in its order (quality level 6, compression level 2 by default). */
const NOVNC_ENCODINGS = [
  Encoding.CopyRect,
  Encoding.Tight,
  -260, // TightPNG
  Encoding.ZRLE,
  21, // JPEG
  Encoding.Hextile,
  2, // RRE
  6, // Zlib
  Encoding.Raw,
  Encoding.QualityLevel0 + 6,
  Encoding.CompressLevel0 + 2,
  Encoding.DesktopSize,
];

const UPDATES = 20;

/**
 * An in-process viewer: every FramebufferUpdate is decoded at once (no JPEG decoder, so a JPEG
 * rect throws) and checked against the server's frame as it is at that moment (updates are
 * encoded from it synchronously), then the next update is requested.
 */
class CheckingViewer implements ByteTransport {
  readonly kind = 'tcp';
  readonly remote = 'test:1';
  readonly address = 'test';
  readonly bufferedBytes = 0;
  sink!: TransportSink;
  updates = 0;
  failure: unknown;
  private writes = 0;
  private readonly client: DecodingClient;
  private readonly toClient = new PixelConverter(NOVNC_RGBX);
  private readonly want: Uint32Array;

  constructor(
    private readonly server: RfbServer,
    private readonly done: () => void,
  ) {
    const { width, height } = DEFAULT_SCENE.output;
    this.client = new DecodingClient({ pf: NOVNC_RGBX, cpixel: [3, 0], tpixelRgb: true }, width, height);
    this.want = new Uint32Array(width * height);
  }

  listen(sink: TransportSink): void {
    this.sink = sink;
  }

  write(b: Uint8Array, flushed: () => void): void {
    // version, security types, SecurityResult, ServerInit; then updates only
    if (++this.writes > 4 && this.failure === undefined && this.updates < UPDATES) {
      try {
        this.check(Buffer.from(b));
        if (++this.updates === UPDATES) this.done();
        else queueMicrotask(() => this.sink.data(request(true)));
      } catch (e) {
        this.failure = e;
        this.done();
      }
    }
    flushed();
  }

  private check(update: Buffer): void {
    this.client.update(update);
    const { width, height } = DEFAULT_SCENE.output;
    this.toClient.convertWords(this.server.source, 0, 0, width, height, this.want);
    const differ = this.client.screen.filter((v, i) => (v & 0xffffff) !== (this.want[i] & 0xffffff)).length;
    expect(differ, `pixels that differ after update ${this.updates + 1}`).to.equal(0);
  }

  close(): void {}
  destroy(): void {}
  pause(): void {}
  resume(): void {}
}

function request(incremental: boolean): Buffer {
  const b = Buffer.from([3, incremental ? 1 : 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  b.writeUInt16BE(DEFAULT_SCENE.output.width, 6);
  b.writeUInt16BE(DEFAULT_SCENE.output.height, 8);
  return b;
}

describe('the default scene to a viewer listing what noVNC lists (real time)', function () {
  this.timeout(60_000);

  it('gets Tight without JPEG (no piece is photographic) and shows exactly the frame after every update', async () => {
    const c = new Container();
    c.bind(SCHEDULER).toConstantValue(asyncScheduler);
    c.bind(RFB_OPTIONS).toConstantValue({ ...DEFAULT_RFB_OPTIONS, port: 0, listenTcp: false });
    c.bind(RfbServer).toSelf().inSingletonScope();
    const server = c.get(RfbServer);
    const app = new CompositorApp(
      createAppContainer({
        scene: { ...DEFAULT_SCENE, png: { dir: 'unused', intervalMs: 0 } },
        scheduler: realTimeScheduler,
        headless: true,
        modules: [new ContainerModule(({ bind }) => void bind(OUTPUTS).toConstantValue(server))],
      }),
    );
    await app.start();
    try {
      let viewer!: CheckingViewer;
      await new Promise<void>((resolve) => {
        viewer = new CheckingViewer(server, resolve);
        server.accept(viewer);
        const pf = Buffer.alloc(20);
        encodePixelFormat(NOVNC_RGBX, pf, 4);
        const enc = Buffer.alloc(4 + 4 * NOVNC_ENCODINGS.length);
        enc[0] = 2;
        enc.writeUInt16BE(NOVNC_ENCODINGS.length, 2);
        for (const [i, e] of NOVNC_ENCODINGS.entries()) enc.writeInt32BE(e, 4 + 4 * i);
        viewer.sink.data(Buffer.concat([Buffer.from('RFB 003.008\n\x01\x01'), pf, enc, request(false)]));
      });
      if (viewer.failure !== undefined) throw viewer.failure;
      expect(viewer.updates).to.equal(UPDATES);
      expect(server.stats().tightRects).to.be.greaterThan(0, 'Tight was chosen, as for noVNC');
      expect(server.stats().zrleRects).to.equal(0);
    } finally {
      await app.stop();
    }
  });
});
