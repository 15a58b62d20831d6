import type { BenchModule, BenchSuite, MetricTable } from '../../../tools/bench.js';
import { DcsPanel } from './dcs-panel.js';
import type { DefioDriver } from './defio-driver.js';
import { DirtyPages } from './dirty-pages.js';
import { DmaDriver } from './dma.js';
import { DmaEngine } from './dma-engine.js';
import { EinkDriver } from './eink.js';
import { EinkPanel } from './eink-panel.js';
import { FbtftDriver } from './fbtft.js';
import { PvDriver } from './pv.js';
import { PvHost } from './pv-host.js';
import { createPvRing, PV_EVENT_BYTES } from './pv-ring.js';
import { lcg, type Rig, rig } from './test-support.js';
import type { ByteTransport } from './tokens.js';
import { UdlDriver } from './udl.js';
import { UdlDevice } from './udl-device.js';

/** An SPI/USB-panel sized screen: 320×240 RGB565, 150 KiB, 38 pages. */
const W = 320;
const H = 240;
const FRAME_565 = W * H * 2;
const UPDATES = 20;
const SQUARES = 6;
const SIDE = 16;

/** Scattered UI-like drawing: per update, SQUARES solid squares of SIDE² pixels at random places. */
function drawSquares(r: Rig, rand: (n: number) => number): void {
  const row = new Uint8Array(SIDE * 2);
  for (let i = 0; i < SQUARES; i++) {
    const x = rand(W - SIDE);
    const y = rand(H - SIDE);
    const colour = rand(0x10000);
    for (let k = 0; k < SIDE; k++) {
      row[k * 2] = colour;
      row[k * 2 + 1] = colour >> 8;
    }
    for (let dy = 0; dy < SIDE; dy++) r.map.write((y + dy) * W * 2 + x * 2, row);
  }
}

function counting(inner: ByteTransport) {
  const count = { bytes: 0 };
  const transport: ByteTransport = {
    send(bytes, done) {
      count.bytes += bytes.length;
      inner.send(bytes, done);
    },
  };
  return { transport, count };
}

/** Runs the scattered workload through one driver; returns bytes per update as `measure` counts them. */
function bytesPerUpdate(make: (r: Rig) => { driver: DefioDriver; bytes: () => number }): number {
  const r = rig(16, W, H, 0, 50);
  const { driver, bytes } = make(r);
  const rand = lcg(2024);
  for (let u = 0; u < UPDATES; u++) {
    drawSquares(r, rand);
    r.sched.flush();
  }
  return bytes() / driver.stats.updates;
}

function viaTransport(build: (r: Rig, t: ByteTransport) => DefioDriver, device: (r: Rig) => ByteTransport) {
  return (r: Rig) => {
    const { transport, count } = counting(device(r));
    return { driver: build(r, transport), bytes: () => count.bytes };
  };
}

const dcs = () => new DcsPanel(W, H);
const udl = () => new UdlDevice(W, H);
const eink = (r: Rig) => new EinkPanel(W, H, r.sched);

function familyTable(): MetricTable {
  const pv = bytesPerUpdate((r) => {
    const ring = createPvRing(64);
    const host = new PvHost(ring, r.surface);
    const driver = new PvDriver(r.fb, r.sched, { ring, notify: () => host.notify() });
    return { driver, bytes: () => host.stats.events * PV_EVENT_BYTES + host.stats.pixels * 2 };
  });
  const dma = bytesPerUpdate((r) => {
    const engine = new DmaEngine(r.surface.bytes, new Uint8Array(r.fb.info.fix.smemLen));
    return { driver: new DmaDriver(r.fb, r.sched, { engine }), bytes: () => engine.stats.bytes };
  });
  const rows = [
    [
      'fbtft, 1 window (fbtft line range)',
      viaTransport((r, t) => new FbtftDriver(r.fb, t, r.sched, { fps: 1000 }), dcs),
    ],
    [
      'fbtft, up to 8 windows',
      viaTransport((r, t) => new FbtftDriver(r.fb, t, r.sched, { fps: 1000, windows: 8 }), dcs),
    ],
    [
      'e-ink 4-bit grey, changed pages only',
      viaTransport((r, t) => new EinkDriver(r.fb, t, r.sched, { fullEvery: 0 }), eink),
    ],
    ['USB span diff + RLE', viaTransport((r, t) => new UdlDriver(r.fb, t, r.sched), udl)],
  ] as const;
  return {
    title: 'Bytes sent per update, scattered updates (6 squares of 16×16 per update, 320×240 RGB565)',
    detail:
      'Each family on the same seeded workload, through FbMapping → defio (50 ms) → driver → device model. ' +
      'Para-virtual counts ring events + pixels the host copies; DMA counts segment bytes. Lower is better.',
    unit: 'bytes / update',
    baseline: { name: 'full frame, raw RGB565', value: FRAME_565 },
    rows: [
      ...rows.map(([name, make]) => ({ name, value: bytesPerUpdate(make) })),
      { name: 'para-virtual rect to host (bounding box)', value: pv },
      { name: 'DMA scatter-gather (dirty pages)', value: dma },
    ],
  };
}

function usbTable(): MetricTable {
  const run = (mode: 'spans' | 'rows', compress: boolean) =>
    bytesPerUpdate(viaTransport((r, t) => new UdlDriver(r.fb, t, r.sched, { mode, compress }), udl));
  return {
    title: 'USB display: span diff vs sending whole dirty rows',
    detail:
      'Same workload; whole rows = every row the dirty pages touch, uncompressed (7-byte span header per row).',
    unit: 'bytes / update',
    baseline: { name: 'whole dirty rows, raw', value: run('rows', false) },
    rows: [
      { name: 'whole dirty rows, RLE', value: run('rows', true) },
      {
        name: 'changed spans, raw',
        value: run('spans', false),
        goal: { max: 1, text: 'span diff sends less than whole rows' },
      },
      {
        name: 'changed spans, RLE',
        value: run('spans', true),
        goal: { max: 1, text: 'span diff sends less than whole rows' },
      },
    ],
  };
}

const YARDSTICK =
  'the driver dirties 6 spots and encodes them (diff, windows, checksums); the baseline copies the whole frame once, a yardstick for the cost, not the same work';

/** Encode cost of one scattered update per family, against copying the whole frame once. */
function speedSuite(): BenchSuite {
  const r = rig(16, W, H, 0, 50);
  const rand = lcg(7);
  const noop = () => {};
  const sink = { send: (_b: Uint8Array, done: () => void) => done() };
  const dirty = new DirtyPages(4096, r.fb.info.fix.smemLen);
  const frame = new Uint8Array(FRAME_565);
  const usb = new UdlDriver(r.fb, sink, r.sched);
  const fbtft = new FbtftDriver(r.fb, sink, r.sched, { windows: 8 });
  const eink4 = new EinkDriver(r.fb, sink, r.sched);
  const prepare = () => {
    dirty.clear();
    for (let i = 0; i < SQUARES; i++) {
      const off = rand(FRAME_565 - 4096);
      r.surface.bytes.fill(rand(256), off, off + 64);
      dirty.addOffset(off);
      dirty.addOffset(off + 63);
    }
  };
  const step = (d: DefioDriver) => () => {
    prepare();
    d.start(dirty, noop);
  };
  return {
    title: 'Encode one scattered update (6 dirty spots)',
    detail: '320×240 RGB565; each iteration dirties 6 random spots, then the driver builds its update',
    baseline: { name: 'full-frame copy (TypedArray.set)', fn: () => frame.set(r.surface.bytes) },
    cases: [
      { name: 'USB span diff + RLE', fn: step(usb), unlike: YARDSTICK },
      { name: 'fbtft DCS windows', fn: step(fbtft), unlike: YARDSTICK },
      { name: 'e-ink checksums + 4-bit grey', fn: step(eink4), unlike: YARDSTICK },
    ],
  };
}

export default {
  suites: () => [speedSuite()],
  metrics: () => [familyTable(), usbTable()],
} satisfies BenchModule;
