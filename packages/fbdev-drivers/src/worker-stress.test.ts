import { Worker } from 'node:worker_threads';
import { RGB565 } from '@fbemu/drm-fb-helper';
import { FbDeferredIo, type WorkerMappingDescriptor } from '@fbemu/fbdev-defio';
import { expect } from 'chai';
import { VirtualTimeScheduler } from 'rxjs';
import type { DefioDriver } from './defio-driver.js';
import { EinkDriver } from './eink.js';
import { EinkPanel } from './eink-panel.js';
import { fbView } from './fb-view.js';
import { expandGrey, greyLevel, lumaOf } from './grey.js';
import { flaky, mismatches } from './test-support.js';
import type { ByteTransport } from './tokens.js';
import { UdlDriver } from './udl.js';
import { UdlDevice } from './udl-device.js';

/**
 * "Nothing lost" across threads, for the two drivers that keep state about what the device
 * already has (USB: a backing copy; e-ink: page checksums). Two worker threads store through
 * shared mappings while the driver diffs and sends in virtual time, with every fourth transfer
 * failing. After the last store, fsync and the drain, the device must show the framebuffer.
 */
const W = 512;
const H = 128;
const OPERATIONS = 40_000;

function startWriter(desc: WorkerMappingDescriptor, seed: number, onTick: () => void): Promise<void> {
  // fbdev-defio's own "nothing lost" writer: random stores, spans, fills and bracketed accesses
  const worker = new Worker(new URL(import.meta.resolve('@fbemu/fbdev-defio/stress-writer')), {
    workerData: { desc, seed, operations: OPERATIONS },
  });
  worker.on('message', onTick);
  return new Promise((resolve, reject) => {
    worker.on('error', reject);
    worker.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`writer exited with ${code}`))));
  });
}

async function stress(
  seed: number,
  attach: (
    fb: FbDeferredIo,
    t: ByteTransport,
    sched: VirtualTimeScheduler,
  ) => { driver: DefioDriver; device: ByteTransport },
): Promise<{ fb: FbDeferredIo; driver: DefioDriver }> {
  const sched = new VirtualTimeScheduler();
  const smemLen = W * H * 2;
  const info = {
    fix: { smemLen, lineLength: W * 2 },
    var: { xres: W, yres: H, xresVirtual: W, yresVirtual: H, xoffset: 0, yoffset: 0, bitsPerPixel: 16 },
  };
  const fb = new FbDeferredIo(info, { delay: 2 }, sched);
  let n = 0;
  const forward: ByteTransport = { send: (b, d) => device.send(b, d) };
  const { driver, device } = attach(fb, flaky(forward, () => n++ % 4 === 3).transport, sched);
  const file = fb.open();
  const descs = [fb.mmap(file, { length: smemLen }).share(), fb.mmap(file, { length: smemLen }).share()];
  const advance = () => {
    sched.maxFrames = sched.frame + 1;
    sched.flush();
    sched.frame = sched.maxFrames;
  };
  await Promise.all(descs.map((d, i) => startWriter(d, seed * 17 + i, advance)));
  fb.fsync();
  sched.maxFrames = Number.POSITIVE_INFINITY;
  sched.flush();
  expect(driver.idle).to.equal(true);
  expect(driver.stats.failures).to.be.greaterThan(0);
  return { fb, driver };
}

describe('worker threads: drivers lose nothing under concurrent stores and failing transfers', function () {
  this.timeout(60_000);

  it('USB span diff: the device equals the framebuffer', async () => {
    let dev: UdlDevice | undefined;
    const { fb } = await stress(1, (fb, t, sched) => {
      dev = new UdlDevice(W, H);
      return { driver: new UdlDriver(fb, t, sched), device: dev };
    });
    const d = dev as UdlDevice;
    expect(mismatches(fbView(fb).surface, (x, y) => d.pixel(x, y), RGB565.pack)).to.deep.equal([]);
  });

  it('e-ink checksums: the panel equals the framebuffer in grey', async () => {
    let panel: EinkPanel | undefined;
    const { fb } = await stress(2, (fb, t, sched) => {
      panel = new EinkPanel(W, H, sched, { partialMs: 3, fullMs: 7 });
      const driver = new EinkDriver(fb, t, sched, { bits: 8, fullEvery: 5 });
      driver.refreshAll();
      return { driver, device: panel };
    });
    const p = panel as EinkPanel;
    const grey = (c: number) => expandGrey(greyLevel(lumaOf(c), 8), 8);
    expect(mismatches(fbView(fb).surface, (x, y) => p.display[y * W + x], grey)).to.deep.equal([]);
  });
});
