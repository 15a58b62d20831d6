import { expect } from 'chai';
import { VirtualTimeScheduler } from 'rxjs';
import { DcsPanel } from './dcs-panel.js';
import { EinkDriver } from './eink.js';
import { EinkPanel } from './eink-panel.js';
import { FbtftDriver } from './fbtft.js';
import { createPvRing, PvRingProducer } from './pv-ring.js';
import { SgList } from './sg-list.js';
import { rig } from './test-support.js';
import { UdlDriver } from './udl.js';
import { UdlDevice } from './udl-device.js';
import { UpdatePump } from './update-pump.js';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

describe('bad input is EINVAL', () => {
  it('driver options', () => {
    const r = rig(16, 32, 16);
    const sink = new DcsPanel(32, 16);
    expect(code(() => new FbtftDriver(r.fb, sink, r.sched, { fps: 0 }))).to.equal('EINVAL');
    expect(code(() => new FbtftDriver(r.fb, sink, r.sched, { fps: Number.NaN }))).to.equal('EINVAL');
    expect(code(() => new FbtftDriver(r.fb, sink, r.sched, { windows: 0 }))).to.equal('EINVAL');
    expect(code(() => new EinkDriver(r.fb, sink, r.sched, { bits: 2 as 1 }))).to.equal('EINVAL');
    expect(code(() => new EinkDriver(r.fb, sink, r.sched, { fullEvery: -1 }))).to.equal('EINVAL');
    expect(code(() => new UdlDriver(r.fb, sink, r.sched, { mergeGap: 1.5 }))).to.equal('EINVAL');
    expect(code(() => new UdlDriver(r.fb, sink, r.sched, { retryMs: -1 }))).to.equal('EINVAL');
  });

  it('a rejected driver never listens: the framebuffer has no consumer afterwards', () => {
    const r = rig(16, 32, 16);
    const panel = new DcsPanel(32, 16);
    expect(code(() => new FbtftDriver(r.fb, panel, r.sched, { windows: -1 }))).to.equal('EINVAL');
    r.map.setUint8(0, 1);
    r.sched.flush();
    expect(panel.stats.commands).to.equal(0);
  });

  it('device models, rings, SG lists and the pump', () => {
    const sched = new VirtualTimeScheduler();
    expect(code(() => new DcsPanel(0, 10))).to.equal('EINVAL');
    expect(code(() => new UdlDevice(70000, 1))).to.equal('EINVAL');
    expect(code(() => new EinkPanel(10, 1.5, sched))).to.equal('EINVAL');
    expect(code(() => createPvRing(3))).to.equal('EINVAL');
    expect(code(() => createPvRing(1))).to.equal('EINVAL');
    expect(code(() => new PvRingProducer(new SharedArrayBuffer(8)))).to.equal('EINVAL');
    expect(code(() => new SgList(0))).to.equal('EINVAL');
    const sink = { start: () => {} };
    expect(code(() => new UpdatePump(sink, 4096, 0, sched))).to.equal('EINVAL');
    expect(
      code(() => new UpdatePump(sink, 4096, 100, sched, { minIntervalMs: Number.POSITIVE_INFINITY })),
    ).to.equal('EINVAL');
  });
});
