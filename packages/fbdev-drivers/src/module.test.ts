import { FbDeferredIo, SCHEDULER } from '@fbemu/fbdev-defio';
import { expect } from 'chai';
import { Container } from 'inversify';
import { type SchedulerLike, VirtualTimeScheduler } from 'rxjs';
import { DcsPanel } from './dcs-panel.js';
import { DmaEngine } from './dma-engine.js';
import { fbdevDriversModule } from './module.js';
import { createPvRing } from './pv-ring.js';
import {
  DMA_DRIVER_FACTORY,
  type DmaDriverFactory,
  FBTFT_DRIVER_FACTORY,
  type FbtftDriverFactory,
  PV_DRIVER_FACTORY,
  type PvDriverFactory,
} from './tokens.js';

describe('fbdevDriversModule', () => {
  it('builds drivers from the container on the injected scheduler', async () => {
    const sched = new VirtualTimeScheduler();
    const container = new Container();
    container.bind<SchedulerLike>(SCHEDULER).toConstantValue(sched);
    await container.load(fbdevDriversModule);
    const info = {
      fix: { smemLen: 32 * 20 * 2, lineLength: 64 },
      var: { xres: 32, yres: 20, xresVirtual: 32, yresVirtual: 20, xoffset: 0, yoffset: 0, bitsPerPixel: 16 },
    };
    const fb = new FbDeferredIo(info, { delay: 30 }, sched);
    const panel = new DcsPanel(32, 20);
    const fbtft = container.get<FbtftDriverFactory>(FBTFT_DRIVER_FACTORY)(fb, panel, { fps: 1000 });
    const vram = new Uint8Array(info.fix.smemLen);
    const first = fb.pagerefs[0].page;
    const fbBytes = new Uint8Array(first.memory, first.byteOffset, info.fix.smemLen);
    container.get<DmaDriverFactory>(DMA_DRIVER_FACTORY)(fb, { engine: new DmaEngine(fbBytes, vram) });
    const pv = container.get<PvDriverFactory>(PV_DRIVER_FACTORY)(fb, {
      ring: createPvRing(4),
      notify: () => {},
    });
    const map = fb.mmap(fb.open(), { length: info.fix.smemLen });
    map.setUint16(64 * 3 + 10, 0xbeef);
    sched.flush();
    expect(sched.now()).to.equal(30);
    expect(panel.pixel(5, 3)).to.equal(0xbeef);
    expect(vram[64 * 3 + 10] | (vram[64 * 3 + 11] << 8)).to.equal(0xbeef);
    expect([fbtft.stats.updates, pv.stats.updates]).to.deep.equal([1, 1]);
  });
});
