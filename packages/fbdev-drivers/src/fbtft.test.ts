import { RGB565 } from '@fbemu/drm-fb-helper';
import { expect } from 'chai';
import { DcsPanel } from './dcs-panel.js';
import { FbtftDriver } from './fbtft.js';
import { flaky, lcg, mismatches, rig, scatterWrites, stalled } from './test-support.js';

const W = 100;
const H = 60;

describe('FbtftDriver end to end (FbMapping → defio → DCS → panel GRAM)', () => {
  for (const [bpp, windows] of [
    [16, 1],
    [32, 4],
  ]) {
    it(`the panel shows the framebuffer (${bpp} bpp, ${windows} window(s)) after random writes`, () => {
      const r = rig(bpp, W, H, 6);
      const panel = new DcsPanel(W, H);
      const driver = new FbtftDriver(r.fb, panel, r.sched, { windows });
      const rand = lcg(bpp);
      for (let round = 0; round < 6; round++) {
        scatterWrites(r, rand, 20);
        r.sched.flush();
      }
      expect(panel.showing).to.equal(true);
      expect(mismatches(r.surface, (x, y) => panel.pixel(x, y), RGB565.pack)).to.deep.equal([]);
      expect(driver.idle).to.equal(true);
    });
  }

  it('sends only the rows of the dirty pages (one page → its rows, not the frame)', () => {
    const r = rig(16, W, H);
    const panel = new DcsPanel(W, H);
    const { transport, log } = flaky(panel);
    new FbtftDriver(r.fb, transport, r.sched);
    r.map.setUint16(4096 + 10, 0xffff);
    r.sched.flush();
    const pitch = W * 2;
    const rows = Math.ceil(8192 / pitch) - Math.floor(4096 / pitch);
    expect(log.bytes).to.be.at.most(100 + rows * pitch);
    expect(log.bytes).to.be.below(W * H * 2);
    expect(panel.stats.pixels).to.equal(rows * W);
  });

  it('caps the update rate at fps and coalesces what comes in meanwhile', () => {
    const r = rig(16, W, H, 0, 10);
    const panel = new DcsPanel(W, H);
    const starts: number[] = [];
    const timed = {
      send(b: Uint8Array, d: (e?: Error) => void) {
        starts.push(r.sched.now());
        panel.send(b, d);
      },
    };
    new FbtftDriver(r.fb, timed, r.sched, { fps: 5 });
    for (let t = 0; t < 600; t += 30) r.sched.schedule(() => r.map.setUint8((t * 97) % 12000, t & 0xff), t);
    r.sched.flush();
    expect(starts.length).to.be.within(3, 5);
    for (let i = 1; i < starts.length; i++) expect(starts[i] - starts[i - 1]).to.be.at.least(200);
    expect(mismatches(r.surface, (x, y) => panel.pixel(x, y), RGB565.pack)).to.deep.equal([]);
  });

  it('full-refresh policy sends the whole frame every update', () => {
    const r = rig(16, W, H);
    const panel = new DcsPanel(W, H);
    new FbtftDriver(r.fb, panel, r.sched, { fullRefresh: 'always' });
    r.map.setUint8(0, 1);
    r.sched.flush();
    expect(panel.stats.pixels).to.equal(W * H);
  });

  it('loses nothing when the bus fails transfers or stalls, and wakes the panel again after a failure', () => {
    const r = rig(16, W, H);
    const panel = new DcsPanel(W, H);
    const { transport, log } = flaky(panel, (n) => n % 2 === 0);
    const driver = new FbtftDriver(r.fb, transport, r.sched);
    const rand = lcg(99);
    for (let round = 0; round < 5; round++) {
      scatterWrites(r, rand, 15);
      r.sched.flush();
    }
    expect(log.failed).to.be.greaterThan(0);
    expect(driver.stats.failures).to.equal(log.failed);
    expect(mismatches(r.surface, (x, y) => panel.pixel(x, y), RGB565.pack)).to.deep.equal([]);

    const s = rig(16, W, H);
    const panel2 = new DcsPanel(W, H);
    const stall = stalled(panel2);
    new FbtftDriver(s.fb, stall.transport, s.sched);
    for (let round = 0; round < 4; round++) {
      scatterWrites(s, rand, 15);
      s.sched.flush();
    }
    expect(stall.held).to.have.length(1);
    stall.release();
    s.sched.flush();
    expect(mismatches(s.surface, (x, y) => panel2.pixel(x, y), RGB565.pack)).to.deep.equal([]);
  });
});
