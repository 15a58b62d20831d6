import type { AppStats } from '../app/app.js';

const ms = (v: number) => (Number.isNaN(v) ? '-' : `${v.toFixed(1)}ms`);

/** One live stats line: frames, writebacks, pages per writeback, damage vs full frames, latency. */
export function formatStats(s: AppStats): string {
  const perWb = s.writebacks ? (s.pagesFlushed / s.writebacks).toFixed(1) : '-';
  const share = s.fullFramePixels ? ((100 * s.damagePixels) / s.fullFramePixels).toFixed(2) : '-';
  return [
    `frames ${s.frames}`,
    `writebacks ${s.writebacks} (${perWb} pages each)`,
    `damage ${(s.damagePixels * 4) / 1e6 >= 0.01 ? ((s.damagePixels * 4) / 1e6).toFixed(2) : '0.00'} MB = ${share}% of full frames`,
    `write→output p50 ${ms(s.latencyP50)} p99 ${ms(s.latencyP99)}`,
    `vnc clients ${s.rfbClients}, sent ${(s.rfbBytes / 1e6).toFixed(2)} MB`,
  ].join(' | ');
}
