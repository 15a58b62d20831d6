import type { PagerefBatch } from '@fbemu/fbdev-defio';
import { expect } from 'chai';
import { VirtualTimeScheduler } from 'rxjs';
import { DirtyPages } from './dirty-pages.js';
import type { SendDone } from './tokens.js';
import { UpdatePump } from './update-pump.js';

const PAGE = 4096;
function batch(...pages: number[]): PagerefBatch {
  return {
    pagerefs: pages.map((p) => ({ offset: p * PAGE }) as PagerefBatch['pagerefs'][number]),
    sorted: false,
    cycle: 1,
    armedAt: 0,
    flushedAt: 0,
  };
}

/** A sink that records what each update covered and leaves completion to the test. */
function recordingSink(sched: VirtualTimeScheduler) {
  const calls: Array<{ at: number; pages: number[]; done: SendDone }> = [];
  const sink = {
    start(dirty: DirtyPages, done: SendDone) {
      const pages: number[] = [];
      dirty.forEachPage((p) => pages.push(p));
      calls.push({ at: sched.now(), pages, done });
    },
  };
  return { calls, sink };
}

describe('DirtyPages', () => {
  it('walks runs in ascending offset order whatever the insertion order, clamped to the framebuffer', () => {
    const d = new DirtyPages(PAGE, 5 * PAGE + 100);
    for (const p of [5, 0, 3, 1, 9]) d.addPage(p);
    d.addOffset(3 * PAGE + 17);
    const runs: number[][] = [];
    d.forEachRun((o, l) => runs.push([o, l]));
    expect(runs).to.deep.equal([
      [0, 2 * PAGE],
      [3 * PAGE, PAGE],
      [5 * PAGE, 100],
    ]);
    expect(d.count).to.equal(4);
    const e = new DirtyPages(PAGE, 6 * PAGE);
    e.addPage(4);
    e.merge(d);
    d.clear();
    expect(d.isEmpty()).to.equal(true);
    const pages: number[] = [];
    e.forEachPage((p) => pages.push(p));
    expect(pages).to.deep.equal([0, 1, 3, 4, 5]);
  });
});

describe('UpdatePump', () => {
  it('holds batches back while an update is in flight and sends them together afterwards', () => {
    const sched = new VirtualTimeScheduler();
    const { calls, sink } = recordingSink(sched);
    const pump = new UpdatePump(sink, PAGE, 16 * PAGE, sched);
    pump.enqueue(batch(1));
    pump.enqueue(batch(7, 2));
    pump.enqueue(batch(2, 9));
    expect(calls.map((c) => c.pages)).to.deep.equal([[1]]);
    expect(pump.pendingPages).to.equal(3);
    calls[0].done();
    expect(calls.map((c) => c.pages)).to.deep.equal([[1], [2, 7, 9]]);
    calls[1].done();
    expect(pump.idle).to.equal(true);
    expect(pump.stats).to.deep.equal({ batches: 3, updates: 2, failures: 0, pagesSent: 4, gaveUp: 0 });
  });

  it('puts the pages of a failed update back and retries them with the new ones after retryMs', () => {
    const sched = new VirtualTimeScheduler();
    const { calls, sink } = recordingSink(sched);
    const pump = new UpdatePump(sink, PAGE, 16 * PAGE, sched, { retryMs: 40 });
    pump.enqueue(batch(3, 4));
    calls[0].done(new Error('device said no'));
    calls[0].done();
    pump.enqueue(batch(8));
    expect(calls).to.have.length(1);
    sched.flush();
    expect(calls.map((c) => [c.at, c.pages])).to.deep.equal([
      [0, [3, 4]],
      [40, [3, 4, 8]],
    ]);
    expect(pump.stats.failures).to.equal(1);
    expect(pump.lastError?.message).to.equal('device said no');
  });

  it('caps the update rate at minIntervalMs between starts', () => {
    const sched = new VirtualTimeScheduler();
    const { calls, sink } = recordingSink(sched);
    const pump = new UpdatePump(sink, PAGE, 16 * PAGE, sched, { minIntervalMs: 50 });
    pump.enqueue(batch(0));
    calls[0].done();
    sched.schedule(() => pump.enqueue(batch(1)), 10);
    sched.schedule(() => pump.enqueue(batch(2)), 30);
    sched.flush();
    expect(calls.map((c) => [c.at, c.pages])).to.deep.equal([
      [0, [0]],
      [50, [1, 2]],
    ]);
  });

  it('treats a sink that throws as a failed update', () => {
    const sched = new VirtualTimeScheduler();
    let n = 0;
    const seen: number[][] = [];
    const pump = new UpdatePump(
      {
        start(dirty, done) {
          const pages: number[] = [];
          dirty.forEachPage((p) => pages.push(p));
          seen.push(pages);
          if (n++ === 0) throw new Error('transport crashed');
          done();
        },
      },
      PAGE,
      4 * PAGE,
      sched,
      { retryMs: 5 },
    );
    pump.enqueue(batch(2));
    sched.flush();
    expect(seen).to.deep.equal([[2], [2]]);
    expect(pump.idle).to.equal(true);
  });

  it('gives up after maxRetries failed retries: one EIO on errors$, pages kept, no timer left', () => {
    const sched = new VirtualTimeScheduler();
    const { calls, sink } = recordingSink(sched);
    const pump = new UpdatePump(sink, PAGE, 16 * PAGE, sched, { retryMs: 10, maxRetries: 2 });
    const errors: Error[] = [];
    pump.errors$.subscribe((e) => errors.push(e));
    pump.enqueue(batch(5));
    for (let i = 0; i < 3; i++) {
      calls[i]!.done(new Error(`refused ${i}`));
      sched.flush();
    }
    expect(calls.map((c) => c.at)).to.deep.equal([0, 10, 20]);
    expect(pump.stalled).to.equal(true);
    expect(pump.pendingPages).to.equal(1);
    expect(pump.idle).to.equal(false);
    expect(sched.actions).to.have.length(0);
    expect(errors).to.have.length(1);
    expect([(errors[0] as { code?: string }).code, (errors[0].cause as Error).message]).to.deep.equal([
      'EIO',
      'refused 2',
    ]);
    expect(pump.stats.gaveUp).to.equal(1);
  });

  it('a success resets the retry budget; fresh damage restarts a stalled pump', () => {
    const sched = new VirtualTimeScheduler();
    const { calls, sink } = recordingSink(sched);
    const pump = new UpdatePump(sink, PAGE, 16 * PAGE, sched, { retryMs: 10, maxRetries: 1 });
    pump.enqueue(batch(1));
    calls[0]!.done(new Error('busy'));
    sched.flush();
    calls[1]!.done(); // the retry worked: budget back to full
    pump.enqueue(batch(2));
    calls[2]!.done(new Error('busy'));
    sched.flush();
    expect(pump.stalled).to.equal(false);
    calls[3]!.done(new Error('busy'));
    sched.flush();
    expect(pump.stalled).to.equal(true);
    pump.enqueue(batch(3));
    expect(pump.stalled).to.equal(false);
    expect(calls[4]!.pages).to.deep.equal([2, 3]);
    calls[4]!.done();
    expect(pump.idle).to.equal(true);
    expect(pump.stats).to.deep.include({ failures: 3, gaveUp: 1, updates: 2 });
  });
});
