import type { Rect } from '@fbemu/drm-fb-helper';
import type { FbDeferredIoApi, FbFile, FbMappingApi } from '@fbemu/fbdev-defio';
import type { Observable } from 'rxjs';
import type { ClientDamage, ClientStats, SceneClient } from '../app/tokens.js';
import type { Plane } from '../compose/plane.js';
import type { ClientConfig } from '../config/scene-config.js';
import { DemoWorker } from './demo-worker.js';
import type { DemoWorkerData } from './worker-protocol.js';
import { WritebackDamage } from './writeback-damage.js';

/**
 * What every demo client shares: a /dev/fb mapping handed to a worker thread, writeback stats
 * from `pagerefs$`, and damage stamped with the time its defio cycle was armed (for latency).
 * Subclasses supply the driver side (which damage stream, how to tear down).
 */
export abstract class WorkerFbClient implements SceneClient {
  readonly damage$: Observable<ClientDamage>;
  readonly stats: ClientStats;
  private readonly worker: DemoWorker;
  private readonly writebacks: WritebackDamage;
  private file: FbFile | undefined;
  private mapping: FbMappingApi | undefined;

  constructor(
    readonly config: ClientConfig,
    readonly fbdev: FbDeferredIoApi,
    readonly plane: Plane,
    rects$: Observable<readonly Rect[]>,
    worker: Pick<DemoWorkerData, 'program' | 'layout'>,
  ) {
    this.writebacks = new WritebackDamage(fbdev, rects$);
    this.stats = this.writebacks.stats;
    this.damage$ = this.writebacks.damage$;
    this.file = fbdev.open();
    this.mapping = fbdev.mmap(this.file, { length: fbdev.info.fix.smemLen });
    this.worker = new DemoWorker({ ...worker, mapping: this.mapping.share(), fps: config.fps });
  }

  async start(): Promise<void> {
    await this.worker.start();
  }

  /** Worker stops first; then munmap, the last close (which flushes), and the driver's teardown. */
  async stop(): Promise<void> {
    await this.worker.stop();
    this.mapping?.close();
    if (this.file) this.fbdev.release(this.file);
    this.mapping = undefined;
    this.file = undefined;
    this.teardown();
    this.writebacks.close();
  }

  /** Driver teardown after the last flush (cleanup, GEM release). */
  protected abstract teardown(): void;
}
