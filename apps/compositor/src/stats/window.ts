import type { AppStats } from '../app/app.js';
import type { LatencyRing } from './latency.js';

/** Every figure of the live stats line, over one and the same window. */
export interface WindowStats {
  /** length of the window */
  seconds: number;
  /** composited frames per second */
  fps: number;
  /** pixels recomposited as a share (%) of what full-frame recomposition would have cost */
  damagePercent: number;
  /** dirty pages per defio writeback (all clients) */
  pagesPerWriteback: number;
  /** first store of a defio cycle → composited frame, ms */
  latencyP50: number;
  latencyP99: number;
  /** connected viewers at the end of the window */
  viewers: number;
  /** bytes sent to viewers per second */
  viewerBytesPerSecond: number;
}

/**
 * Turns the app's running totals into per-window figures: each `next` covers the time since the
 * previous one (the caller passes the clock, so this is plain arithmetic and testable without
 * timers). Ratios with an empty denominator are NaN, which the line prints as "-".
 */
export class StatsWindow {
  private prev: AppStats;
  private prevAt: number;

  constructor(start: AppStats, atMs: number) {
    this.prev = start;
    this.prevAt = atMs;
  }

  next(now: AppStats, atMs: number, latency: LatencyRing): WindowStats {
    const p = this.prev;
    const seconds = (atMs - this.prevAt) / 1000;
    const per = (n: number, d: number) => (d > 0 ? n / d : Number.NaN);
    const [latencyP50, latencyP99] = latency.percentiles([50, 99], now.latencySamples - p.latencySamples);
    this.prev = now;
    this.prevAt = atMs;
    return {
      seconds,
      fps: per(now.frames - p.frames, seconds),
      damagePercent: 100 * per(now.damagePixels - p.damagePixels, now.fullFramePixels - p.fullFramePixels),
      pagesPerWriteback: per(now.pagesFlushed - p.pagesFlushed, now.writebacks - p.writebacks),
      latencyP50,
      latencyP99,
      viewers: now.rfbClients,
      viewerBytesPerSecond: per(now.rfbBytes - p.rfbBytes, seconds),
    };
  }
}
