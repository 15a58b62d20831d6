import { expect } from 'chai';
import { VirtualTimeScheduler } from 'rxjs';
import { DcsPanel } from './dcs-panel.js';
import { DmaDriver } from './dma.js';
import { DmaEngine } from './dma-engine.js';
import { EinkDriver } from './eink.js';
import { EinkPanel } from './eink-panel.js';
import { FbtftDriver } from './fbtft.js';
import { PvDriver } from './pv.js';
import { PvHost } from './pv-host.js';
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
    return (e as { code?: string }).code ?? `untyped ${(e as Error).name}`;
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

  it('table: null, {}, NaN, fractions and strings at every public entry point; nothing listens or changes', () => {
    const r = rig(16, 32, 16);
    const panel = new DcsPanel(32, 16);
    const udl = new UdlDevice(8, 2);
    const eink = new EinkPanel(8, 2, r.sched);
    const ring = createPvRing(4);
    const vram = new Uint8Array(r.fb.info.fix.smemLen);
    const engine = new DmaEngine(r.surface.bytes, vram);
    const bad = null as never;
    const empty = {} as never;
    const noop = () => {};
    const cases: [string, () => unknown][] = [
      ['FbtftDriver(null fb)', () => new FbtftDriver(bad, panel, r.sched)],
      ['FbtftDriver({} fb)', () => new FbtftDriver(empty, panel, r.sched)],
      ['FbtftDriver(null transport)', () => new FbtftDriver(r.fb, bad, r.sched)],
      ['FbtftDriver({} transport)', () => new FbtftDriver(r.fb, empty, r.sched)],
      ['FbtftDriver(null scheduler)', () => new FbtftDriver(r.fb, panel, bad)],
      ['FbtftDriver(null options)', () => new FbtftDriver(r.fb, panel, r.sched, bad)],
      [
        'FbtftDriver fullRefresh "yes"',
        () => new FbtftDriver(r.fb, panel, r.sched, { fullRefresh: 'yes' as never }),
      ],
      ['FbtftDriver retryMs "5"', () => new FbtftDriver(r.fb, panel, r.sched, { retryMs: '5' as never })],
      ['FbtftDriver maxRetries 1.5', () => new FbtftDriver(r.fb, panel, r.sched, { maxRetries: 1.5 })],
      ['EinkDriver(null options)', () => new EinkDriver(r.fb, eink, r.sched, bad)],
      ['EinkDriver(null transport)', () => new EinkDriver(r.fb, bad, r.sched)],
      ['EinkDriver maxAreas 0', () => new EinkDriver(r.fb, eink, r.sched, { maxAreas: 0 })],
      ['UdlDriver(null options)', () => new UdlDriver(r.fb, udl, r.sched, bad)],
      ['UdlDriver mode "all"', () => new UdlDriver(r.fb, udl, r.sched, { mode: 'all' as never })],
      ['UdlDriver compress "no"', () => new UdlDriver(r.fb, udl, r.sched, { compress: 'no' as never })],
      ['PvDriver(null options)', () => new PvDriver(r.fb, r.sched, bad)],
      ['PvDriver({} options)', () => new PvDriver(r.fb, r.sched, empty)],
      [
        'PvDriver(ArrayBuffer ring)',
        () => new PvDriver(r.fb, r.sched, { ring: new ArrayBuffer(160) as never, notify: noop }),
      ],
      ['PvDriver(notify "x")', () => new PvDriver(r.fb, r.sched, { ring, notify: 'x' as never })],
      ['DmaDriver(null options)', () => new DmaDriver(r.fb, r.sched, bad)],
      ['DmaDriver({} options)', () => new DmaDriver(r.fb, r.sched, empty)],
      ['DmaDriver({ engine: {} })', () => new DmaDriver(r.fb, r.sched, { engine: empty })],
      ['DmaDriver dstBase -1', () => new DmaDriver(r.fb, r.sched, { engine, dstBase: -1 })],
      ['DmaDriver maxDescriptors 0', () => new DmaDriver(r.fb, r.sched, { engine, maxDescriptors: 0 })],
      [
        'DmaDriver maxSegmentBytes NaN',
        () => new DmaDriver(r.fb, r.sched, { engine, maxSegmentBytes: Number.NaN }),
      ],
      ['UdlDevice.send(null)', () => udl.send(bad, noop)],
      ['UdlDevice.send({})', () => udl.send(empty, noop)],
      ['UdlDevice.send(bytes, null)', () => udl.send(new Uint8Array(1), bad)],
      ['DcsPanel.send(null)', () => panel.send(bad, noop)],
      ['EinkPanel.send([1, 2])', () => eink.send([1, 2] as never, noop)],
      ['new UdlDevice("8", 2)', () => new UdlDevice('8' as never, 2)],
      ['new EinkPanel(8, 2, null)', () => new EinkPanel(8, 2, bad)],
      ['new PvHost(null, surface)', () => new PvHost(bad, r.surface)],
      ['new PvHost({}, surface)', () => new PvHost(empty, r.surface)],
      ['new PvHost(ring, null)', () => new PvHost(ring, bad)],
      ['new PvHost(ring, surface, 0)', () => new PvHost(ring, r.surface, 0)],
      ['new PvRingProducer(null)', () => new PvRingProducer(bad)],
      ['createPvRing("8")', () => createPvRing('8' as never)],
      ['new DmaEngine(null, vram)', () => new DmaEngine(bad, vram)],
      [
        'new DmaEngine(src, vram, sched, NaN)',
        () => new DmaEngine(r.surface.bytes, vram, r.sched, Number.NaN),
      ],
      ['DmaEngine.execute(table, 1, null)', () => engine.execute(new Uint32Array(4), 1, bad)],
      ['new SgList(1.5)', () => new SgList(1.5)],
      ['new UpdatePump(null sink)', () => new UpdatePump(bad, 4096, 100, r.sched)],
      ['new UpdatePump(options null)', () => new UpdatePump({ start: noop }, 4096, 100, r.sched, bad)],
    ];
    for (const [what, fn] of cases) expect(code(fn), what).to.equal('EINVAL');
    expect([udl.stats.spans, udl.stats.errors, panel.stats.commands, eink.stats.loads]).to.deep.equal([
      0, 0, 0, 0,
    ]);
    expect(engine.stats).to.deep.equal({ lists: 0, segments: 0, bytes: 0, rejected: 0 });
    r.map.setUint8(0, 1);
    r.sched.flush();
    expect(panel.stats.commands).to.equal(0); // no rejected driver subscribed
    expect(vram.every((b) => b === 0)).to.equal(true);
  });
});
