import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import type { DemoWorkerData } from './worker-protocol.js';

/** Main-thread handle of one demo worker: start waits for its first frame, stop for its last. */
export class DemoWorker {
  private worker: Worker | undefined;
  frames = 0;

  constructor(private readonly data: DemoWorkerData) {}

  async start(): Promise<void> {
    const worker = new Worker(new URL('./demo.worker.js', import.meta.url), { workerData: this.data });
    this.worker = worker;
    const [msg] = (await once(worker, 'message')) as [{ type: string }];
    if (msg.type !== 'started') throw new Error(`demo worker said ${JSON.stringify(msg)} instead of started`);
  }

  /** Asks the worker to stop drawing and close its mapping; resolves once it has. */
  async stop(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.worker = undefined;
    const stopped = once(worker, 'message');
    worker.postMessage({ type: 'stop' });
    const [msg] = (await stopped) as [{ type: string; frames: number }];
    this.frames = msg.frames;
    await worker.terminate();
  }
}
