import type { AppStats, ProgramStats } from '../app/app.js';
import type { WindowStats } from './window.js';

const fixed = (v: number, digits: number) => (Number.isFinite(v) ? v.toFixed(digits) : '-');

/** Bytes (or bytes per second) with an SI unit: 1 kB = 1000 B, 1 MB = 10^6 B. */
export function formatBytes(n: number, suffix = ''): string {
  if (!Number.isFinite(n)) return `- B${suffix}`;
  if (n < 1e3) return `${Math.round(n)} B${suffix}`;
  if (n < 1e6) return `${(n / 1e3).toFixed(1)} kB${suffix}`;
  if (n < 1e9) return `${(n / 1e6).toFixed(2)} MB${suffix}`;
  return `${(n / 1e9).toFixed(2)} GB${suffix}`;
}

/** The live stats line: every figure over the same window (see StatsWindow), units spelled out. */
export function formatStats(w: WindowStats): string {
  return [
    `fps ${fixed(w.fps, 1)}`,
    `damage ${fixed(w.damagePercent, 2)} %`,
    `${fixed(w.pagesPerWriteback, 1)} pages/writeback`,
    `write→output p50 ${fixed(w.latencyP50, 1)} ms p99 ${fixed(w.latencyP99, 1)} ms`,
    `viewers ${w.viewers} ${formatBytes(w.viewerBytesPerSecond, '/s')}`,
  ].join(' | ');
}

/** The summary printed at exit: totals since start. */
export function formatTotals(s: AppStats, seconds: number): string {
  const perWb = s.writebacks ? (s.pagesFlushed / s.writebacks).toFixed(1) : '-';
  const share = s.fullFramePixels ? ((100 * s.damagePixels) / s.fullFramePixels).toFixed(2) : '-';
  return [
    `ran ${seconds.toFixed(1)} s`,
    `${s.frames} frames (${fixed(seconds > 0 ? s.frames / seconds : Number.NaN, 1)} fps)`,
    `${s.writebacks} writebacks (${perWb} pages/writeback)`,
    `damage ${share} % of full frames`,
    `${formatBytes(s.rfbBytes)} sent to viewers`,
  ].join(', ');
}

/** Each real program's figures since start: writebacks, pages per writeback, first write → output. */
export function formatPrograms(programs: readonly ProgramStats[]): string {
  return programs
    .map((p) => {
      const perWb = p.writebacks ? (p.pagesFlushed / p.writebacks).toFixed(1) : '-';
      return `${p.name}: ${p.writebacks} writebacks (${perWb} pages/writeback), write→output p50 ${fixed(p.latencyP50, 1)} ms p99 ${fixed(p.latencyP99, 1)} ms`;
    })
    .join(' | ');
}
