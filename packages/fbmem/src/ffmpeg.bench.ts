import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ChrdevRegistry,
  FrontDoor,
  loadNative,
  SHARED_MEMORY_ALLOCATOR,
  sharedMemoryAllocator,
  type TrackingMode,
} from '@fbemu/chrdev';
import { fbdevDefioModule, SCHEDULER } from '@fbemu/fbdev-defio';
import { Container } from 'inversify';
import {
  asapScheduler,
  asyncScheduler,
  type SchedulerAction,
  type SchedulerLike,
  type Subscription,
} from 'rxjs';
import type { BenchModule, MetricTable } from '../../../tools/bench.js';
import { fbmemModule } from './module.js';
import { FBMEM_FACTORY, type FbmemFactoryApi } from './tokens.js';

/**
 * Issue 10: Debian's ffmpeg playing testsrc2 at 30 fps into /dev/fb0 under the front door.
 * CPU of program + fbemu per tracking mode against the same device with tracking off (an
 * untracked mapping, `track: false`: the program stores into the same memfd, no damage), and the
 * write → damage latency: from the first write of a cycle as fbemu noticed it (`armedAt` of the
 * writeback's batch) to the damage delivered to the consumer, at the DRM delay of 50 ms.
 * Needs `ffmpeg` (apt-get install ffmpeg).
 */
const FPS = 30;
const DELAY_MS = 50;
const SIZES = [
  { width: 640, height: 480, frames: 60 },
  { width: 1920, height: 1080, frames: 45 },
];
type Mode = TrackingMode | 'off';
const MODES: Mode[] = ['off', 'async', 'sync', 'mprotect'];
const allocator = sharedMemoryAllocator(loadNative());

/** zero-delay hops as microtasks, timers for the defio delay (the compositor's real-time scheduler) */
const scheduler: SchedulerLike = {
  now: () => asyncScheduler.now(),
  schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay = 0, state?: T): Subscription {
    return (delay > 0 ? asyncScheduler : asapScheduler).schedule(work, delay, state);
  },
};

interface Run {
  /** µs: this process during the run, and ffmpeg (its rusage, from the shell's `times`) */
  serverCpuUs: number;
  programCpuUs: number;
  /** ms from armedAt to the damage of that writeback */
  latencies: number[];
}

/** `times` prints the shell's then its children's user and system time: "0m1.230000s 0m0.040000s". */
function childrenCpuUs(out: string): number {
  const lines = out.trim().split('\n');
  const last = lines[lines.length - 1].match(/(\d+)m([\d.]+)s (\d+)m([\d.]+)s/);
  if (last === null) throw new Error(`no times line in: ${out}`);
  const [, um, us, sm, ss] = last;
  return (Number(um) * 60 + Number(us) + Number(sm) * 60 + Number(ss)) * 1e6;
}

async function run(width: number, height: number, frames: number, mode: Mode): Promise<Run> {
  const container = new Container();
  container.bind(SCHEDULER).toConstantValue(scheduler);
  container.bind(SHARED_MEMORY_ALLOCATOR).toConstantValue(allocator);
  container.load(fbdevDefioModule, fbmemModule);
  const { device, chrdev } = container
    .get<FbmemFactoryApi>(FBMEM_FACTORY)
    .create({ width, height, delay: DELAY_MS, track: mode !== 'off' });
  const latencies: number[] = [];
  let armedAt = -1;
  const batches = device.helper.defio.pagerefs$.subscribe((b) => {
    armedAt = b.armedAt;
  });
  const damage = device.damage$.subscribe(() => {
    if (armedAt >= 0) latencies.push(scheduler.now() - armedAt);
    armedAt = -1;
  });
  const registry = new ChrdevRegistry();
  registry.register(chrdev);
  const door = new FrontDoor(registry, scheduler);
  const tracking = mode === 'off' ? 'async' : mode;
  door.start({ socketPath: join(mkdtempSync(join(tmpdir(), 'fbemu-bench-')), 'door.sock'), tracking });
  const argv = [
    ...['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi'],
    ...['-i', `testsrc2=size=${width}x${height}:rate=${FPS}`, '-frames:v', `${frames}`],
    ...['-pix_fmt', 'bgra', '-f', 'fbdev', chrdev.path],
  ];
  const cpu = process.cpuUsage();
  const child = spawn('sh', ['-c', 'ffmpeg "$@" && times', 'sh', ...argv], {
    env: { ...process.env, ...door.env() },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  child.stderr.on('data', (d) => {
    out += d;
  });
  try {
    const code = await new Promise<number | null>((done) => child.on('close', done));
    if (code !== 0) throw new Error(`ffmpeg ${mode} exited ${code}: ${out}`);
    const used = process.cpuUsage(cpu);
    return { serverCpuUs: used.user + used.system, programCpuUs: childrenCpuUs(out), latencies };
  } finally {
    child.kill('SIGKILL');
    batches.unsubscribe();
    damage.unsubscribe();
    door.close();
    device.destroy();
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function cpuTable(width: number, height: number, frames: number, runs: Map<Mode, Run>): MetricTable {
  const perFrame = (us: number) => us / 1000 / frames;
  const off = runs.get('off')!;
  const rows = MODES.filter((m) => m !== 'off').flatMap((m) => {
    const r = runs.get(m)!;
    return [
      { name: `${m}: ffmpeg + fbemu`, value: perFrame(r.programCpuUs + r.serverCpuUs) },
      { name: `${m}: ffmpeg`, value: perFrame(r.programCpuUs) },
      { name: `${m}: fbemu`, value: perFrame(r.serverCpuUs) },
    ];
  });
  return {
    title: `ffmpeg -re testsrc2 ${width}×${height} @ ${FPS} fps → /dev/fb0: CPU per frame (${frames} frames)`,
    detail:
      'fbemu = this Node process during the run (front door, tracking, defio, damage); ffmpeg = its rusage. ' +
      'Baseline: tracking off, the same device mapped untracked (track: false)',
    unit: 'ms/frame',
    baseline: { name: 'off: ffmpeg + fbemu', value: perFrame(off.programCpuUs + off.serverCpuUs) },
    rows: [
      { name: 'off: ffmpeg', value: perFrame(off.programCpuUs) },
      { name: 'off: fbemu', value: perFrame(off.serverCpuUs) },
      ...rows,
    ],
  };
}

function latencyTable(width: number, height: number, runs: Map<Mode, Run>): MetricTable {
  const rows = MODES.filter((m) => m !== 'off').flatMap((m) => {
    const sorted = runs.get(m)!.latencies.sort((a, b) => a - b);
    return [
      { name: `${m}: p50 (${sorted.length} writebacks)`, value: percentile(sorted, 50) },
      {
        name: `${m}: p99`,
        value: percentile(sorted, 99),
        goal: { max: (DELAY_MS + 10) / DELAY_MS, text: `p99 ≤ delay + 10 ms` },
      },
    ];
  });
  return {
    title: `first write noticed → damage delivered, ffmpeg ${width}×${height} @ ${FPS} fps`,
    detail:
      'from the batch’s armedAt to its damage reaching the consumer; async notices the first write up to one poll period late (not counted here)',
    unit: 'ms',
    baseline: { name: 'defio delay', value: DELAY_MS },
    rows,
  };
}

export default {
  metrics: async () => {
    const tables: MetricTable[] = [];
    for (const { width, height, frames } of SIZES) {
      const runs = new Map<Mode, Run>();
      for (const mode of MODES) runs.set(mode, await run(width, height, frames, mode));
      tables.push(cpuTable(width, height, frames, runs), latencyTable(width, height, runs));
    }
    return tables;
  },
} satisfies BenchModule;
