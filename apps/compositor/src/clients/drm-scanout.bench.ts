import 'reflect-metadata';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type CharDevice,
  ChrdevRegistry,
  FrontDoor,
  loadNative,
  SHARED_MEMORY_ALLOCATOR,
  sharedMemoryAllocator,
} from '@fbemu/chrdev';
import { FbSurface } from '@fbemu/drm-fb-helper';
import { fbdevDefioModule, SCHEDULER } from '@fbemu/fbdev-defio';
import { FBMEM_FACTORY, type FbmemFactoryApi, fbmemModule } from '@fbemu/fbmem';
import { Container } from 'inversify';
import type { BenchModule, MetricTable } from '../../../../tools/bench.js';
import { realTimeScheduler } from '../app/real-time-scheduler.js';
import { Compositor } from '../compose/compositor.js';
import { Plane } from '../compose/plane.js';
import { createDrmNode } from './drm-node.js';
import { mountDrmScanout } from './drm-scanout.js';

const FPS = 60;
const FRAME_MS = 1000 / FPS;
const LATENCY_FRAMES = 90;
const CPU_FRAMES = 60;
const allocator = sharedMemoryAllocator(loadNative());

/** packages/drm-kms/tools/draw-client.c, built into a temporary directory. */
function buildDrawClient(): string {
  const source = fileURLToPath(new URL('../../../../packages/drm-kms/tools/draw-client.c', import.meta.url));
  const binary = join(mkdtempSync(join(tmpdir(), 'fbemu-bench-')), 'draw-client');
  execFileSync('cc', ['-Wall', '-Wextra', '-Werror', '-O2', '-o', binary, source]);
  return binary;
}

function compositorOf(width: number, height: number): Compositor {
  return new Compositor({ width, height, background: 0 }, realTimeScheduler);
}

/** Serves `devices` through a front door, runs the program to its end; stdout lines and server CPU (µs). */
async function runProgram(
  devices: readonly CharDevice[],
  argv: string[],
  onSpawn: () => void = () => {},
): Promise<{ lines: string[]; serverCpuUs: number }> {
  const registry = new ChrdevRegistry();
  for (const d of devices) registry.register(d);
  const door = new FrontDoor(registry, realTimeScheduler);
  door.start({ socketPath: join(mkdtempSync(join(tmpdir(), 'fbemu-bench-')), 'door.sock') });
  const cpu = process.cpuUsage();
  const child = spawn(argv[0], argv.slice(1), { env: { ...process.env, ...door.env() } });
  onSpawn();
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  child.stderr.on('data', (d) => {
    out += d;
  });
  const code = await new Promise<number | null>((done) => child.on('close', done));
  const used = process.cpuUsage(cpu);
  door.close();
  if (code !== 0) throw new Error(`${argv.join(' ')} exited ${code}: ${out}`);
  return { lines: out.trim().split('\n'), serverCpuUs: used.user + used.system };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const clientCpu = (lines: string[]) => Number(lines.find((l) => l.startsWith('cpu '))?.slice(4));

/** A DRM program's CRTC shown by the compositor at (0, 0). */
function drmScene(width: number, height: number) {
  const compositor = compositorOf(width, height);
  const node = createDrmNode(
    { scheduler: realTimeScheduler, compositor, allocator },
    { id: 'drm', x: 0, y: 0, z: 1, width, height },
  );
  mountDrmScanout(compositor, node.source);
  const { connector, crtc } = node.card.config;
  return { compositor, node, args: ['/dev/dri/card0', `${connector.id}`, `${crtc.id}`] };
}

/**
 * DIRTYFB → output: the program stores its CLOCK_MONOTONIC time in pixels 0–2 and calls DIRTYFB;
 * each composited frame's pixels 0–2 are decoded and subtracted from now (Node's hrtime is
 * CLOCK_MONOTONIC too): the time from the ioctl to the output containing its pixels.
 */
async function dirtyLatency(client: string): Promise<number[]> {
  const { compositor, node, args } = drmScene(640, 480);
  const samples: number[] = [];
  let last = 0n;
  compositor.frames$.subscribe(() => {
    const p = compositor.pixels;
    const t = BigInt(p[0] & 0xffffff) | (BigInt(p[1] & 0xffffff) << 24n) | (BigInt(p[2] & 0xffffff) << 48n);
    if (t === last || t === 0n) return;
    last = t;
    samples.push(Number(process.hrtime.bigint() - t) / 1e6);
  });
  await runProgram(node.devices, [client, ...args, 'dirty', `${LATENCY_FRAMES}`, `${FPS}`]);
  node.close();
  compositor.close();
  return samples.sort((a, b) => a - b);
}

/** PAGE_FLIP → event, as the program sees it, plus CPU of both sides for whole 1080p frames. */
async function flipRun(client: string, frames: number) {
  const { compositor, node, args } = drmScene(1920, 1080);
  const run = await runProgram(node.devices, [client, ...args, 'flip', `${frames}`, `${FPS}`]);
  node.close();
  compositor.close();
  const flips = run.lines.filter((l) => l.startsWith('flip ')).map((l) => Number(l.slice(5)) / 1000);
  return {
    flips: flips.sort((a, b) => a - b),
    serverCpuUs: run.serverCpuUs,
    clientCpuUs: clientCpu(run.lines),
  };
}

/** The same whole 1080p frames stored through /dev/fb0's mmap (defio writebacks → damage). */
async function fbRun(client: string, frames: number) {
  const container = new Container();
  container.bind(SCHEDULER).toConstantValue(realTimeScheduler);
  container.bind(SHARED_MEMORY_ALLOCATOR).toConstantValue(allocator);
  container.load(fbdevDefioModule, fbmemModule);
  const { device, chrdev } = container
    .get<FbmemFactoryApi>(FBMEM_FACTORY)
    .create({ width: 1920, height: 1080 });
  const s = device.scanout;
  const compositor = compositorOf(1920, 1080);
  const surface = new FbSurface(new Uint8Array(s.memory.buffer), s.width, s.height, s.pitch, s.format);
  compositor.addPlane(new Plane('fb0', surface, 0, 0, 1));
  const sub = device.damage$.subscribe((d) => compositor.damagePlane('fb0', d.clips));
  const run = await runProgram([chrdev], [client, 'fb', '/dev/fb0', `${frames}`, `${FPS}`]);
  sub.unsubscribe();
  compositor.close();
  device.destroy();
  return { serverCpuUs: run.serverCpuUs, clientCpuUs: clientCpu(run.lines) };
}

function latencyTable(title: string, detail: string, sorted: number[]): MetricTable {
  return {
    title: `${title} (${sorted.length} samples)`,
    detail,
    unit: 'ms',
    baseline: { name: `one frame at ${FPS} Hz`, value: FRAME_MS },
    rows: [
      { name: 'p50', value: percentile(sorted, 50) },
      { name: 'p99', value: percentile(sorted, 99), goal: { max: 1, text: 'p99 within one 60 Hz frame' } },
    ],
  };
}

export default {
  metrics: async () => {
    const client = buildDrawClient();
    const dirty = await dirtyLatency(client);
    const flip = await flipRun(client, CPU_FRAMES);
    const fb = await fbRun(client, CPU_FRAMES);
    const perFrame = (us: number) => us / 1000 / CPU_FRAMES;
    return [
      latencyTable(
        'DIRTYFB → composited output, 640×480 XRGB8888',
        `draw-client dirty: ${FPS} DIRTYFB/s of 3 pixels; from the ioctl (program clock) to the frame showing them`,
        dirty,
      ),
      latencyTable(
        'PAGE_FLIP → flip event, 1920×1080 XRGB8888',
        `draw-client flip: whole frames at ${FPS} fps; from the ioctl to the event read (the composite of the new buffer is in between)`,
        flip.flips,
      ),
      {
        title: `CPU per 1080p frame at ${FPS} fps: page flips vs the same pixels through /dev/fb0 (${CPU_FRAMES} frames)`,
        detail:
          'draw-client stores every pixel of each frame; server = this Node process (front door, tracking, compositing), client = the program',
        unit: 'ms/frame',
        baseline: {
          name: '/dev/fb0 mmap, server + client',
          value: perFrame(fb.serverCpuUs + fb.clientCpuUs),
        },
        rows: [
          { name: '/dev/fb0 mmap, server', value: perFrame(fb.serverCpuUs) },
          { name: '/dev/fb0 mmap, client', value: perFrame(fb.clientCpuUs) },
          { name: 'PAGE_FLIP, server + client', value: perFrame(flip.serverCpuUs + flip.clientCpuUs) },
          { name: 'PAGE_FLIP, server', value: perFrame(flip.serverCpuUs) },
          { name: 'PAGE_FLIP, client', value: perFrame(flip.clientCpuUs) },
        ],
      },
    ];
  },
} satisfies BenchModule;
