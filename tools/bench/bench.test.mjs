// Tests of the runner's statistics and round logic: `npx mocha tools/bench/bench.test.mjs`.
import { expect } from 'chai';
import { collectSuite, metricTable, reduceSuite, runSuite } from './rounds.mjs';
import { quantile, summarize, verdict } from './stats.mjs';

describe('bench statistics', () => {
  it('interpolates quantiles between ranks', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).to.equal(2.5);
    expect(quantile([1, 2, 3, 4, 5], 0.25)).to.equal(2);
    expect(quantile([10], 0.75)).to.equal(10);
  });

  it('summarizes unsorted values', () => {
    expect(summarize([5, 1, 4, 2, 3])).to.deep.equal({ n: 5, median: 3, q1: 2, q3: 4, min: 1, max: 5 });
  });

  it('is met only when the whole range meets a lower bound, MISSED only when all of it misses', () => {
    const goal = { min: 30, text: '≥ 30×' };
    expect(verdict(summarize([31, 35, 40]), goal)).to.equal('met');
    expect(verdict(summarize([29.9, 35, 40]), goal)).to.equal('unclear');
    expect(verdict(summarize([20, 25, 29.9]), goal)).to.equal('MISSED');
    expect(verdict(summarize([30, 30]), goal)).to.equal('met');
  });

  it('judges upper bounds and bands on both ends', () => {
    const band = { min: 0.8, max: 1.25, text: '≈ 1×' };
    expect(verdict(summarize([0.85, 1, 1.2]), band)).to.equal('met');
    expect(verdict(summarize([0.7, 1, 1.2]), band)).to.equal('unclear');
    expect(verdict(summarize([0.9, 1.3]), band)).to.equal('unclear');
    expect(verdict(summarize([1.3, 1.4]), band)).to.equal('MISSED');
    expect(verdict(summarize([0.5, 0.7]), band)).to.equal('MISSED');
    expect(verdict(summarize([0.5, 0.7]), { max: 1, text: '≤ 1' })).to.equal('met');
    expect(verdict(summarize([0.5, 0.7]), undefined)).to.equal(undefined);
  });
});

describe('bench rounds', () => {
  /** A sampled suite replaying fixed rounds of [baseline, case]. */
  function replay(rounds, ratio, goal) {
    const calls = { sample: 0, done: 0 };
    return {
      calls,
      suite: {
        title: 't',
        unit: 'ms',
        ratio,
        baseline: { name: 'b' },
        cases: [{ name: 'c', goal }],
        rounds: rounds.length,
        warmup: 1,
        sample: (r) => {
          calls.sample++;
          return calls.sample === 1 ? [1, 1000] : rounds[r]; // the warm-up round is dropped
        },
        done: () => {
          calls.done++;
        },
      },
    };
  }

  it('takes the median of per-round ratios, baseline/case for costs', async () => {
    const { suite, calls } = replay(
      [
        [10, 1],
        [20, 1],
        [12, 4],
      ],
      'baseline/case',
      { min: 2, text: '≥ 2×' },
    );
    const r = await runSuite(suite);
    expect(calls).to.deep.equal({ sample: 4, done: 1 });
    expect(r.rows[0].ratio).to.include({ n: 3, median: 10, min: 3, max: 20 });
    expect(r.rows[0].verdict).to.equal('met');
  });

  it('divides case by baseline when asked, and flags disagreeing rounds unclear', async () => {
    const { suite } = replay(
      [
        [50, 52],
        [50, 70],
      ],
      'case/baseline',
      { max: 1.1, text: '≤ 1.1' },
    );
    const r = await runSuite(suite);
    expect(r.rows[0].ratio).to.include({ min: 1.04, max: 1.4 });
    expect(r.rows[0].verdict).to.equal('unclear');
  });

  it('rejects a malformed sample and still calls done', async () => {
    const { suite, calls } = replay([[1]], 'baseline/case');
    let error;
    await runSuite(suite).catch((e) => {
      error = e;
    });
    expect(error?.message).to.match(/must return 2 positive numbers/);
    expect(calls.done).to.equal(1);
  });

  it('times function suites in rounds and finds the cheaper side', async () => {
    const a = new Float64Array(20000);
    const r = await runSuite({
      title: 'loop',
      baseline: { name: 'full', fn: () => a.fill(1) },
      cases: [{ name: 'tenth', fn: () => a.fill(1, 0, 2000), goal: { min: 1, text: 'cheaper' } }],
      rounds: 3,
      batchMs: 2,
    });
    expect(r.rows[0].ratio.n).to.equal(3);
    expect(r.rows[0].verdict).to.equal('met');
  });

  it('pools the rounds of several processes into one spread', async () => {
    const a = await collectSuite(replay([[10, 1]], 'baseline/case').suite);
    const b = await collectSuite(replay([[10, 4]], 'baseline/case').suite);
    const r = reduceSuite(a.meta, [...a.samples, ...b.samples], a.load, 2);
    expect(r).to.include({ rounds: 2, processes: 2 });
    expect(r.rows[0].ratio).to.include({ min: 2.5, max: 10 });
    expect(r.rows[0].verdict).to.equal(undefined);
  });

  it('keeps exact tables exact', () => {
    const t = metricTable({
      title: 'bytes',
      unit: 'B',
      baseline: { name: 'full', value: 100 },
      rows: [{ name: 'part', value: 150, goal: { max: 1.5, text: '≤ 1.5×' } }],
    });
    expect(t.rows[0].ratio).to.include({ n: 1, median: 1.5, min: 1.5, max: 1.5 });
    expect(t.rows[0].verdict).to.equal('met');
  });
});
