import { expect } from 'chai';
import { LatencyRing } from './latency.js';

describe('LatencyRing', () => {
  it('computes nearest-rank percentiles', () => {
    const r = new LatencyRing(200);
    for (let i = 100; i >= 1; i--) r.record(i);
    expect(r.percentile(50)).to.equal(50);
    expect(r.percentile(99)).to.equal(99);
    expect(r.percentile(100)).to.equal(100);
    expect(r.percentile(0)).to.equal(1);
  });

  it('keeps only the newest samples and ignores invalid ones', () => {
    const r = new LatencyRing(4);
    for (const v of [1000, 1000, 1, 2, 3, 4, Number.NaN, -1]) r.record(v);
    expect(r.size).to.equal(4);
    expect(r.percentile(100)).to.equal(4);
    expect(new LatencyRing().percentile(50)).to.be.NaN;
  });
});

describe('LatencyRing windows', () => {
  it('percentiles of the newest samples only, across the ring wrap', () => {
    const r = new LatencyRing(8);
    for (const v of [100, 100, 100, 100, 100, 1, 2, 3, 4, 5, 6]) r.record(v); // wrapped: 8 kept
    expect(r.recorded).to.equal(11);
    expect(r.percentiles([0, 50, 100], 6)).to.deep.equal([1, 3, 6]);
    expect(r.percentiles([100], 7)).to.deep.equal([100]);
    expect(r.percentiles([50], 20)).to.deep.equal([4]); // capped at the 8 kept: 100 100 1..6
    expect(r.percentiles([50, 99], 0).every(Number.isNaN)).to.equal(true);
  });
});
