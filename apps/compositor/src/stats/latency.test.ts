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
