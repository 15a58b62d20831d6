import type { BenchModule, MetricRow, MetricTable } from '../../../tools/bench.js';
import { buildTestClient, runClient, serve } from './test-device.js';
import type { TrackingMode } from './tokens.js';

/**
 * CPU per tracked first write to a clean page, measured in C inside a real program (the test
 * client's `bench` command): each mode against a plain minor write fault on shared memory whose
 * pages exist, measured in the same runs (the floor: any tracking costs at least that fault). And what the server spends while a mapped program sits idle (the
 * async mode's poll), as a share of one core.
 */
const PAGES = 256;
const ROUNDS = 20;
const MODES: TrackingMode[] = ['async', 'sync', 'mprotect'];

async function firstWrite(mode: TrackingMode): Promise<{ tracked: number; minor: number }> {
  const s = serve(mode, PAGES, 10_000);
  try {
    const { out } = await runClient(s.door.env(), ['bench', s.path, String(PAGES), String(ROUNDS)]);
    return { tracked: Number(out.tracked_ns), minor: Number(out.minor_ns) };
  } finally {
    await s.device.whenIdle();
    s.close();
  }
}

async function firstWriteTable(): Promise<MetricTable> {
  const rows: MetricRow[] = [];
  let minor = 0;
  for (const mode of MODES) {
    const r = await firstWrite(mode);
    minor += r.minor / MODES.length;
    rows.push({ name: `${mode}: first store to a write-protected page`, value: r.tracked / 1000 });
  }
  return {
    title: 'front door: CPU per tracked first write (real program, real kernel)',
    detail: `${PAGES} pages × ${ROUNDS} rounds, ns measured in the program; ratio = time / plain minor fault`,
    unit: 'µs',
    baseline: { name: 'plain minor write fault (shared memory, page present)', value: minor / 1000 },
    rows,
  };
}

/** Server CPU over one second while a program holds a tracked mapping and stores nothing. */
async function idleCpu(mode: TrackingMode): Promise<number> {
  const s = serve(mode, PAGES, 50);
  let used = 0;
  await runClient(s.door.env(), ['hold', s.path], (line, stdin) => {
    if (line !== 'mapped=1') return;
    setTimeout(() => {
      const start = process.cpuUsage();
      setTimeout(() => {
        const d = process.cpuUsage(start);
        used = d.user + d.system;
        stdin.end();
      }, 1000);
    }, 200); // past the first writeback of the store `hold` makes
  });
  await s.device.whenIdle();
  s.close();
  return used;
}

async function idleTable(): Promise<MetricTable> {
  const rows: MetricRow[] = [];
  for (const mode of MODES)
    rows.push({ name: `${mode}: server CPU, static screen`, value: await idleCpu(mode) });
  return {
    title: 'front door: server CPU while a mapped program is idle',
    detail: 'one second of wall time after the last writeback; ratio = share of one core',
    unit: 'µs CPU',
    baseline: { name: 'one second of wall time', value: 1_000_000 },
    rows,
  };
}

export default {
  metrics: async () => {
    buildTestClient();
    return [await firstWriteTable(), await idleTable()];
  },
} satisfies BenchModule;
