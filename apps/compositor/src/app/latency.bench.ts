import type { BenchModule, SampledSuite } from '../../../../tools/bench.js';
import type { Compositor } from '../compose/compositor.js';
import { DEFAULT_SCENE, type SceneConfig } from '../config/scene-config.js';
import { LatencyRing } from '../stats/latency.js';
import { CompositorApp } from './app.js';
import { createAppContainer } from './container.js';
import { realTimeScheduler } from './real-time-scheduler.js';
import { COMPOSITOR } from './tokens.js';

const ROUND_MS = 2000;

/**
 * Real-time write → output latency of the default scene (1280×800, three clients in worker
 * threads, headless, no PNG): from the first store of a defio cycle (when the timer was armed)
 * to the composited frame that contains it. One app runs through all rounds; each round is a
 * window of ROUND_MS whose frames give that round's percentiles. The baseline is the configured
 * delay itself, the part of the latency that is policy rather than cost.
 */
function latencySuite(): SampledSuite {
  const delay = DEFAULT_SCENE.delayMs;
  const scene: SceneConfig = { ...DEFAULT_SCENE, png: { dir: 'out', intervalMs: 0 } };
  const container = createAppContainer({ scene, scheduler: realTimeScheduler, headless: true });
  const app = new CompositorApp(container);
  let started: Promise<unknown> | undefined;
  let window = new LatencyRing();
  return {
    title: `write → output latency, default scene in real time (rounds of ${ROUND_MS / 1000} s)`,
    detail:
      'Three clients drawing from worker threads; latency = frame time − defio cycle armed time. ' +
      `A round's p99 is over its ~${Math.round((ROUND_MS / 1000) * 33)} frames, so it is about the round's slowest frame.`,
    unit: 'ms',
    ratio: 'case/baseline',
    baseline: { name: 'configured defio delay' },
    cases: [
      { name: 'p50' },
      { name: 'p99', goal: { max: (delay + 5) / delay, text: `p99 ≤ delay + 5 ms (${delay + 5} ms)` } },
    ],
    rounds: 6,
    warmup: 1,
    async sample() {
      if (!started) {
        container.get<Compositor>(COMPOSITOR).frames$.subscribe((f) => {
          if (f.armedAt !== undefined) window.record(f.at - f.armedAt);
        });
        started = app.start();
        await started;
      }
      window = new LatencyRing();
      await new Promise((resolve) => setTimeout(resolve, ROUND_MS));
      return [delay, window.percentile(50), window.percentile(99)];
    },
    done: () => app.stop(),
  };
}

export default {
  suites: () => [latencySuite()],
} satisfies BenchModule;
