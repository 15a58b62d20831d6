import { expect } from 'chai';
import { DmaDriver } from './dma.js';
import { DMA_MAX_DESCRIPTORS, DmaEngine } from './dma-engine.js';
import { SG_CTRL_LAST, SG_DESC_WORDS } from './sg-list.js';
import { lcg, rig, scatterWrites } from './test-support.js';
import type { SendDone } from './tokens.js';

const W = 80;
const H = 64;

describe('DmaDriver end to end (FbMapping → defio → SG list → DMA engine → panel memory)', () => {
  it('panel memory equals the framebuffer after random writes, with a rate-limited engine', () => {
    const r = rig(32, W, H);
    const vram = new Uint8Array(r.fb.info.fix.smemLen);
    const engine = new DmaEngine(r.surface.bytes, vram, r.sched, 64);
    const driver = new DmaDriver(r.fb, r.sched, { engine });
    const rand = lcg(11);
    for (let round = 0; round < 6; round++) {
      scatterWrites(r, rand, 15);
      r.sched.flush();
    }
    expect(Buffer.compare(vram, r.surface.bytes)).to.equal(0);
    expect(engine.stats.rejected).to.equal(0);
    expect(driver.idle).to.equal(true);
  });

  it('merges contiguous dirty pages into one segment and sends nothing for clean pages', () => {
    const r = rig(32, W, H);
    const vram = new Uint8Array(r.fb.info.fix.smemLen);
    const engine = new DmaEngine(r.surface.bytes, vram);
    const driver = new DmaDriver(r.fb, r.sched, { engine });
    for (const page of [1, 2, 4]) r.map.setUint8(page * 4096 + 3, 9);
    r.sched.flush();
    expect([...driver.sg.table.subarray(0, 8)]).to.deep.equal([4096, 4096, 8192, 0, 16384, 16384, 4096, 1]);
    expect(engine.stats.bytes).to.equal(3 * 4096);
  });

  it('uses pageref.offset, not page.index: a mapping at a non-zero file offset lands at the right bytes', () => {
    const r = rig(32, W, H);
    const vram = new Uint8Array(r.fb.info.fix.smemLen);
    new DmaDriver(r.fb, r.sched, { engine: new DmaEngine(r.surface.bytes, vram) });
    const late = r.fb.mmap(r.fb.open(), { fileBase: 100, pgoff: 103, length: 4096 });
    late.fill(16, 32, 0x5a);
    r.sched.flush();
    expect([...vram.subarray(3 * 4096 + 15, 3 * 4096 + 49)]).to.deep.equal([
      0,
      ...new Array(32).fill(0x5a),
      0,
    ]);
    expect(Buffer.compare(vram, r.surface.bytes)).to.equal(0);
  });

  it('loses nothing when the engine refuses lists', () => {
    const r = rig(16, W, H);
    const vram = new Uint8Array(r.fb.info.fix.smemLen);
    const inner = new DmaEngine(r.surface.bytes, vram);
    let n = 0;
    const engine = {
      execute(table: Uint32Array, count: number, done: SendDone) {
        if (n++ % 2 === 0) done(new Error('DMA fault'));
        else inner.execute(table, count, done);
      },
    };
    const driver = new DmaDriver(r.fb, r.sched, { engine });
    const rand = lcg(12);
    for (let round = 0; round < 5; round++) {
      scatterWrites(r, rand, 15);
      r.sched.flush();
    }
    expect(driver.stats.failures).to.be.greaterThan(0);
    expect(Buffer.compare(vram, r.surface.bytes)).to.equal(0);
  });

  it('delivers a fully dirty 32 MiB framebuffer in 4 KiB segments: 8192 descriptors, in lists the engine takes', () => {
    const r = rig(32, 4096, 2048);
    const vram = new Uint8Array(r.fb.info.fix.smemLen);
    const engine = new DmaEngine(r.surface.bytes, vram);
    const driver = new DmaDriver(r.fb, r.sched, { engine, maxSegmentBytes: 4096 });
    r.map.fill(0, r.fb.info.fix.smemLen, 0x3c);
    r.sched.maxFrames = 10_000; // a retry loop ends here instead of hanging the test
    r.sched.flush();
    expect([driver.stats.updates, driver.stats.failures]).to.deep.equal([1, 0]);
    const lists = Math.ceil(8192 / DMA_MAX_DESCRIPTORS);
    expect([engine.stats.lists, engine.stats.segments, engine.stats.rejected]).to.deep.equal([
      lists,
      8192,
      0,
    ]);
    expect(Buffer.compare(vram, r.surface.bytes)).to.equal(0);
  });

  it('chunks: each list the engine sees holds at most maxDescriptors and ends with its only LAST', () => {
    const r = rig(32, W, H);
    const seen: number[][] = [];
    const engine = {
      execute(table: Uint32Array, count: number, done: SendDone) {
        const flags = [];
        for (let i = 0; i < count; i++) flags.push(table[i * SG_DESC_WORDS + 3]! & SG_CTRL_LAST);
        seen.push(flags);
        done();
      },
    };
    const driver = new DmaDriver(r.fb, r.sched, { engine, maxSegmentBytes: 4096, maxDescriptors: 2 });
    for (const page of [0, 1, 2, 3, 4]) r.map.setUint8(page * 4096, 1);
    r.sched.flush();
    expect(seen).to.deep.equal([[0, 1], [0, 1], [1]]);
    expect(driver.idle).to.equal(true);
  });

  it('an engine that refuses every list is retried maxRetries times, then the driver stalls with one EIO', () => {
    const r = rig(32, W, H);
    let attempts = 0;
    const engine = {
      execute(_t: Uint32Array, _n: number, done: SendDone) {
        attempts++;
        done(new Error('descriptor format not supported'));
      },
    };
    const driver = new DmaDriver(r.fb, r.sched, { engine, retryMs: 10, maxRetries: 3 });
    const errors: Error[] = [];
    driver.errors$.subscribe((e) => errors.push(e));
    r.map.setUint8(0, 1);
    r.sched.maxFrames = 100_000; // an endless retry loop stops here instead of hanging the test
    r.sched.flush();
    expect(attempts).to.equal(4);
    expect(driver.stalled).to.equal(true);
    expect(errors.map((e) => (e as { code?: string }).code)).to.deep.equal(['EIO']);
    expect((errors[0].cause as Error).message).to.equal('descriptor format not supported');
    expect(driver.lastError).to.equal(errors[0]);
    expect([driver.stats.failures, driver.stats.gaveUp, driver.stats.updates]).to.deep.equal([4, 1, 0]);
    expect(r.sched.actions).to.have.length(0); // nothing left scheduled
    // new damage starts over with a fresh budget, the old page included
    r.map.setUint8(4096, 1);
    r.sched.flush();
    expect(attempts).to.equal(8);
    expect(driver.stats.gaveUp).to.equal(2);
  });
});
