import { expect } from 'chai';
import { EinkDriver } from './eink.js';
import { EinkPanel } from './eink-panel.js';
import { expandGrey, type GreyBits, greyLevel, lumaOf } from './grey.js';
import { flaky, lcg, mismatches, type Rig, rig, scatterWrites } from './test-support.js';

const W = 90;
const H = 50;
const grey = (bits: GreyBits) => (c: number) => expandGrey(greyLevel(lumaOf(c), bits), bits);
const shown = (p: EinkPanel) => (x: number, y: number) => p.display[y * W + x];

function setup(bits: GreyBits, fullEvery = 3, bpp = 16) {
  const r = rig(bpp, W, H);
  const panel = new EinkPanel(W, H, r.sched, { partialMs: 300, fullMs: 1200 });
  const wire = flaky(panel);
  const driver = new EinkDriver(r.fb, wire.transport, r.sched, { bits, fullEvery });
  return { r, panel, wire, driver };
}

function draw(r: Rig, seed: number, rounds: number): void {
  const rand = lcg(seed);
  for (let round = 0; round < rounds; round++) {
    scatterWrites(r, rand, 12);
    r.sched.flush();
  }
}

describe('EinkDriver end to end (FbMapping → defio → checksums → grey areas → e-paper)', () => {
  for (const [bits, bpp] of [
    [1, 16],
    [4, 32],
    [8, 16],
  ] as const) {
    it(`the panel shows the framebuffer in ${bits}-bit grey (${bpp} bpp source) after random writes`, () => {
      const { r, panel, driver } = setup(bits, 3, bpp);
      driver.refreshAll();
      draw(r, bits, 6);
      expect(mismatches(r.surface, shown(panel), grey(bits))).to.deep.equal([]);
      const { fullRefreshes, partialRefreshes } = panel.stats;
      expect(fullRefreshes).to.be.greaterThan(0);
      expect(fullRefreshes).to.equal(Math.floor((fullRefreshes + partialRefreshes) / 3));
      expect(driver.einkStats.fullRefreshes).to.equal(fullRefreshes);
    });
  }

  it('sends nothing for pages rewritten with the same content', () => {
    const { r, wire, driver } = setup(4);
    r.map.fill(5000, 100, 0x42);
    r.sched.flush();
    const sent = wire.log.sends;
    r.map.fill(5000, 100, 0x42);
    r.sched.flush();
    expect(wire.log.sends).to.equal(sent);
    expect(driver.einkStats.pagesSkipped).to.equal(1);
  });

  it('while a waveform runs, new batches wait and go out together afterwards (back-pressure)', () => {
    const { r, panel, wire, driver } = setup(4, 0);
    r.map.setUint8(0, 0xff);
    r.sched.flush();
    const base = wire.log.sends;
    r.map.setUint8(100, 1);
    for (let t = 60; t < 300; t += 60) r.sched.schedule(() => r.map.setUint8(t * 40, t & 0xff), t);
    r.sched.flush();
    expect(wire.log.sends - base).to.equal(2);
    expect(panel.stats.busyRejects).to.equal(0);
    expect(mismatches(r.surface, shown(panel), grey(4)).length).to.equal(0);
    expect(driver.idle).to.equal(true);
  });

  it('loses nothing when the controller refuses transfers', () => {
    const r = rig(16, W, H);
    const panel = new EinkPanel(W, H, r.sched);
    const wire = flaky(panel, (n) => n % 3 !== 2);
    const driver = new EinkDriver(r.fb, wire.transport, r.sched, { bits: 8 });
    driver.refreshAll();
    draw(r, 77, 4);
    expect(wire.log.failed).to.be.greaterThan(2);
    expect(mismatches(r.surface, shown(panel), grey(8))).to.deep.equal([]);
  });
});
