import { expect } from 'chai';
import { PvDriver } from './pv.js';
import { PvHost } from './pv-host.js';
import { createPvRing } from './pv-ring.js';
import { lcg, mismatches, rig, scatterWrites } from './test-support.js';

const W = 64;
const H = 48;

describe('PvDriver end to end (FbMapping → defio → update rect on the ring → host)', () => {
  for (const bpp of [16, 32]) {
    it(`the host shows the guest framebuffer (${bpp} bpp) after random writes`, () => {
      const r = rig(bpp, W, H);
      const ring = createPvRing(8);
      const host = new PvHost(ring, r.surface);
      const driver = new PvDriver(r.fb, r.sched, { ring, notify: () => host.notify() });
      driver.refreshAll();
      const rand = lcg(bpp);
      for (let round = 0; round < 6; round++) {
        scatterWrites(r, rand, 10);
        r.sched.flush();
      }
      expect(
        mismatches(
          r.surface,
          (x, y) => host.display[y * W + x],
          (c) => c,
        ),
      ).to.deep.equal([]);
      expect(host.stats.badEvents).to.equal(0);
    });
  }

  it('sends one bounding rect per update covering just the dirty rows', () => {
    const r = rig(32, W, H);
    const ring = createPvRing(8);
    const host = new PvHost(ring, r.surface);
    new PvDriver(r.fb, r.sched, { ring, notify: () => host.notify() });
    r.map.setUint32(4096 + 8, 1);
    r.map.setUint32(4096 * 2 + 8, 1);
    r.sched.flush();
    expect(host.stats.events).to.equal(1);
    expect(host.stats.pixels).to.equal(2 * (4096 / (W * 4)) * W);
  });

  it('keeps the damage while the ring is full and delivers it once the host catches up', () => {
    const r = rig(16, W, H);
    const ring = createPvRing(2);
    const host = new PvHost(ring, r.surface);
    let kicks = 0;
    const driver = new PvDriver(r.fb, r.sched, { ring, notify: () => kicks++, retryMs: 20 });
    driver.refreshAll();
    const rand = lcg(8);
    scatterWrites(r, rand, 10);
    r.sched.schedule(() => scatterWrites(r, rand, 10), 200);
    r.sched.schedule(() => host.notify(), 500);
    r.sched.flush();
    expect(driver.stats.failures).to.be.greaterThan(1);
    expect(kicks).to.equal(3);
    host.notify();
    expect(
      mismatches(
        r.surface,
        (x, y) => host.display[y * W + x],
        (c) => c,
      ).length,
    ).to.equal(0);
  });
});
