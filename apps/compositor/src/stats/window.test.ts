import { expect } from 'chai';
import type { AppStats } from '../app/app.js';
import { formatBytes, formatPrograms, formatStats, formatTotals } from './format.js';
import { LatencyRing } from './latency.js';
import { StatsWindow } from './window.js';

const totals = (t: Partial<AppStats>): AppStats => ({
  frames: 0,
  writebacks: 0,
  pagesFlushed: 0,
  damagePixels: 0,
  fullFramePixels: 0,
  latencyP50: Number.NaN,
  latencyP99: Number.NaN,
  latencySamples: 0,
  rfbClients: 0,
  rfbBytes: 0,
  programs: [],
  ...t,
});

describe('StatsWindow', () => {
  it('every figure covers the same window: the time since the previous line', () => {
    const latency = new LatencyRing();
    for (const v of [500, 500]) latency.record(v); // before the window: not part of it
    const w = new StatsWindow(
      totals({
        frames: 100,
        writebacks: 10,
        pagesFlushed: 1000,
        damagePixels: 9,
        fullFramePixels: 100,
        latencySamples: 2,
        rfbBytes: 5000,
      }),
      1000,
    );
    for (let v = 1; v <= 100; v++) latency.record(v);
    const s = w.next(
      totals({
        frames: 160,
        writebacks: 30,
        pagesFlushed: 1400,
        damagePixels: 259,
        fullFramePixels: 1100,
        latencySamples: 102,
        rfbClients: 2,
        rfbBytes: 3_005_000,
      }),
      3000,
      latency,
    );
    expect(s).to.deep.equal({
      seconds: 2,
      fps: 30,
      damagePercent: 25,
      pagesPerWriteback: 20,
      latencyP50: 50,
      latencyP99: 99,
      viewers: 2,
      viewerBytesPerSecond: 1_500_000,
    });
    // the next window starts where this one ended: nothing happened, nothing to report
    const quiet = w.next(
      totals({
        frames: 160,
        writebacks: 30,
        pagesFlushed: 1400,
        damagePixels: 259,
        fullFramePixels: 1100,
        latencySamples: 102,
        rfbClients: 2,
        rfbBytes: 3_005_000,
      }),
      4000,
      latency,
    );
    expect([quiet.fps, quiet.viewerBytesPerSecond]).to.deep.equal([0, 0]);
    for (const v of [quiet.damagePercent, quiet.pagesPerWriteback, quiet.latencyP50, quiet.latencyP99])
      expect(v).to.be.NaN;
  });
});

describe('stats formatting', () => {
  it('the line spells out its units; empty ratios are "-"', () => {
    const line = formatStats({
      seconds: 1,
      fps: 29.96,
      damagePercent: 9.016,
      pagesPerWriteback: 84.14,
      latencyP50: 51,
      latencyP99: Number.NaN,
      viewers: 1,
      viewerBytesPerSecond: 1_234_567,
    });
    expect(line).to.equal(
      'fps 30.0 | damage 9.02 % | 84.1 pages/writeback | write→output p50 51.0 ms p99 - ms | viewers 1 1.23 MB/s',
    );
  });

  it('bytes in SI units', () => {
    expect([0, 999, 1000, 15_500, 2_000_000, 3e9].map((n) => formatBytes(n))).to.deep.equal([
      '0 B',
      '999 B',
      '1.0 kB',
      '15.5 kB',
      '2.00 MB',
      '3.00 GB',
    ]);
  });

  it('the exit summary: totals since start', () => {
    const s = totals({
      frames: 300,
      writebacks: 100,
      pagesFlushed: 8000,
      damagePixels: 1,
      fullFramePixels: 10,
      rfbBytes: 2500,
    });
    expect(formatTotals(s, 10)).to.equal(
      'ran 10.0 s, 300 frames (30.0 fps), 100 writebacks (80.0 pages/writeback), damage 10.00 % of full frames, 2.5 kB sent to viewers',
    );
  });
});

describe('formatPrograms', () => {
  it("says each program's writebacks, pages per writeback and latency, '-' where there is none yet", () => {
    const line = formatPrograms([
      { name: 'ffmpeg', writebacks: 4, pagesFlushed: 1200, latencyP50: 51.04, latencyP99: 53.2 },
      { name: 'fbset', writebacks: 0, pagesFlushed: 0, latencyP50: Number.NaN, latencyP99: Number.NaN },
    ]);
    expect(line).to.equal(
      'ffmpeg: 4 writebacks (300.0 pages/writeback), write→output p50 51.0 ms p99 53.2 ms | ' +
        'fbset: 0 writebacks (- pages/writeback), write→output p50 - ms p99 - ms',
    );
  });
});
