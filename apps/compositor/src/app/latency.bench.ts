import type { BenchModule } from '../../../../tools/bench.js';
import { DEFAULT_SCENE, type SceneConfig } from '../config/scene-config.js';
import { CompositorApp } from './app.js';
import { createAppContainer } from './container.js';
import { realTimeScheduler } from './real-time-scheduler.js';

const RUN_MS = 4000;

/**
 * Real-time write → output latency of the default scene (1280×800, three clients in worker
 * threads, headless, no PNG): from the first store of a defio cycle (when the timer was armed)
 * to the composited frame that contains it. The baseline is the configured delay itself, the
 * part of the latency that is policy rather than cost.
 */
async function measure(): Promise<{ p50: number; p99: number; frames: number }> {
  const scene: SceneConfig = { ...DEFAULT_SCENE, png: { dir: 'out', intervalMs: 0 } };
  const app = new CompositorApp(createAppContainer({ scene, scheduler: realTimeScheduler, headless: true }));
  await app.start();
  await new Promise((resolve) => setTimeout(resolve, RUN_MS));
  const s = app.stats();
  await app.stop();
  return { p50: s.latencyP50, p99: s.latencyP99, frames: s.frames };
}

export default {
  metrics: async () => {
    const { p50, p99, frames } = await measure();
    const delay = DEFAULT_SCENE.delayMs;
    return [
      {
        title: `write → output latency, default scene in real time (${frames} frames in ${RUN_MS / 1000} s)`,
        detail: 'Three clients drawing from worker threads; latency = frame time − defio cycle armed time.',
        unit: 'ms',
        baseline: { name: `configured defio delay`, value: delay },
        rows: [
          { name: 'p50', value: p50 },
          {
            name: 'p99',
            value: p99,
            goal: { max: (delay + 5) / delay, text: `p99 ≤ delay + 5 ms (${delay + 5} ms)` },
          },
        ],
      },
    ];
  },
} satisfies BenchModule;
