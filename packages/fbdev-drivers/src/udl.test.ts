import { RGB565 } from '@fbemu/drm-fb-helper';
import { expect } from 'chai';
import { flaky, lcg, mismatches, rig, scatterWrites, stalled } from './test-support.js';
import { UdlDriver } from './udl.js';
import { UdlDevice } from './udl-device.js';

const W = 120;
const H = 70;
const shown = (d: UdlDevice) => (x: number, y: number) => d.pixel(x, y);

describe('UdlDriver end to end (FbMapping → defio → span diff + RLE → USB device)', () => {
  for (const [bpp, mode, compress] of [
    [16, 'spans', true],
    [32, 'spans', false],
    [32, 'rows', true],
    [24, 'spans', true],
  ] as const) {
    it(`the device shows the framebuffer (${bpp} bpp, ${mode}, compress ${compress}) after random writes`, () => {
      const r = rig(bpp, W, H, 4);
      const dev = new UdlDevice(W, H);
      const driver = new UdlDriver(r.fb, dev, r.sched, { mode, compress });
      const rand = lcg(bpp + W);
      for (let round = 0; round < 6; round++) {
        scatterWrites(r, rand, 20);
        r.sched.flush();
      }
      expect(mismatches(r.surface, shown(dev), RGB565.pack)).to.deep.equal([]);
      expect(dev.stats.errors).to.equal(0);
      expect(driver.idle).to.equal(true);
    });
  }

  it('sends only the changed pixels of a dirty row, and nothing for a rewrite of the same bytes', () => {
    const r = rig(16, W, H);
    const dev = new UdlDevice(W, H);
    const wire = flaky(dev);
    const driver = new UdlDriver(r.fb, wire.transport, r.sched);
    r.map.fill(0, W * 2 * 2, 0);
    r.sched.flush();
    const afterFirst = wire.log.bytes;
    r.map.setUint16(2 * 10, 0xf800);
    r.sched.flush();
    expect(wire.log.bytes - afterFirst).to.equal(7 + 1 + 2);
    expect(dev.pixel(10, 0)).to.equal(0xf800);
    const sends = wire.log.sends;
    r.map.setUint16(2 * 10, 0xf800);
    r.sched.flush();
    expect(wire.log.sends).to.equal(sends);
    expect(driver.udlStats.rawBytes).to.be.greaterThan(driver.udlStats.bytes);
  });

  it('loses nothing when transfers are NAKed or the endpoint stalls', () => {
    const r = rig(16, W, H);
    const dev = new UdlDevice(W, H);
    const wire = flaky(dev, (n) => n % 2 === 1);
    new UdlDriver(r.fb, wire.transport, r.sched);
    const rand = lcg(3);
    for (let round = 0; round < 5; round++) {
      scatterWrites(r, rand, 20);
      r.sched.flush();
    }
    expect(wire.log.failed).to.be.greaterThan(0);
    expect(mismatches(r.surface, shown(dev), RGB565.pack)).to.deep.equal([]);

    const s = rig(16, W, H);
    const dev2 = new UdlDevice(W, H);
    const stall = stalled(dev2);
    new UdlDriver(s.fb, stall.transport, s.sched);
    for (let round = 0; round < 4; round++) {
      scatterWrites(s, rand, 20);
      s.sched.flush();
    }
    stall.release();
    s.sched.flush();
    expect(mismatches(s.surface, shown(dev2), RGB565.pack)).to.deep.equal([]);
  });
});
