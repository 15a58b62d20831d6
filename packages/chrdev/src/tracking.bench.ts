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

interface Measured {
  tracked: number;
  minor: number;
  ioctl: number;
  syscall: number;
}

async function firstWrite(mode: TrackingMode): Promise<Measured> {
  const s = serve(mode, PAGES, 10_000);
  try {
    const { out } = await runClient(s.door.env(), ['bench', s.path, String(PAGES), String(ROUNDS)]);
    const [tracked, minor, ioctl, syscall] = [out.tracked_ns, out.minor_ns, out.ioctl_ns, out.syscall_ns].map(
      Number,
    );
    return { tracked, minor, ioctl, syscall };
  } finally {
    await s.device.whenIdle();
    s.close();
  }
}

async function tables(): Promise<MetricTable[]> {
  const rows: MetricRow[] = [];
  let minor = 0;
  let ioctl = 0;
  let syscall = 0;
  for (const mode of MODES) {
    const r = await firstWrite(mode);
    ioctl += r.ioctl / MODES.length;
    syscall += r.syscall / MODES.length;
    minor += r.minor / MODES.length;
    rows.push({ name: `${mode}: first store to a write-protected page`, value: r.tracked / 1000 });
  }
  const firstWrites: MetricTable = {
    title: 'front door: CPU per tracked first write (real program, real kernel)',
    detail: `${PAGES} pages × ${ROUNDS} rounds, ns measured in the program; ratio = time / plain minor fault`,
    unit: 'µs',
    baseline: { name: 'plain minor write fault (shared memory, page present)', value: minor / 1000 },
    rows,
  };
  const roundTrip: MetricTable = {
    title: 'front door: an ioctl with a user pointer, wall time in the program',
    detail:
      '1000 × TESTDEV_GET (copy_to_user of 8 bytes through /proc/PID/mem); ratio = time / a failing ioctl on /dev/null',
    unit: 'µs',
    baseline: { name: 'ioctl(/dev/null) → ENOTTY (a bare syscall)', value: syscall / 1000 },
    rows: [{ name: 'ioctl on a front-door device (request, handler, reply)', value: ioctl / 1000 }],
  };
  return [firstWrites, roundTrip];
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
    return [...(await tables()), await idleTable()];
  },
} satisfies BenchModule;
