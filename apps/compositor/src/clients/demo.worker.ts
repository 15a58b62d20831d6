/**
 * A demo client in a worker thread: attaches to a user mapping the main thread shared
 * (`FbMapping.share()`), draws one frame of its program per tick, and stops on request.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { formatByName } from '@fbemu/drm-fb-helper';
import { attachFbMapping } from '@fbemu/fbdev-defio';
import { bouncer, clock, type DemoProgram, stripes } from './demo-programs.js';
import { Painter } from './painter.js';
import type { DemoWorkerData } from './worker-protocol.js';

const data = workerData as DemoWorkerData;
const programs: Record<DemoWorkerData['program'], () => DemoProgram> = {
  bouncer: () => bouncer,
  clock: () => clock(() => new Date()),
  stripes: () => stripes,
};

const mapping = attachFbMapping(data.mapping);
const painter = new Painter(mapping, { ...data.layout, format: formatByName(data.layout.format) });
const program = programs[data.program]();
let frame = 0;
const draw = () => {
  program(painter, frame);
  frame += 1;
};
draw();
const timer = setInterval(draw, Math.max(1, Math.round(1000 / data.fps)));

parentPort!.on('message', (msg: { type: string }) => {
  if (msg.type !== 'stop') return;
  clearInterval(timer);
  mapping.close();
  parentPort!.postMessage({ type: 'stopped', frames: frame });
  parentPort!.close();
});
parentPort!.postMessage({ type: 'started' });
