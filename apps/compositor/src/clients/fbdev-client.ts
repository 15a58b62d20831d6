import { type DrmFbdevFactoryApi, type DrmFbHelper, FbSurface } from '@fbemu/drm-fb-helper';
import type { FbDeferredIoApi, FbFile, FbMappingApi } from '@fbemu/fbdev-defio';
import { map, type Observable, type Subscription, timer } from 'rxjs';
import type { ClientDamage, ClientEnv, ClientFactory, ClientStats, SceneClient } from '../app/tokens.js';
import { Plane } from '../compose/plane.js';
import type { ClientConfig } from '../config/scene-config.js';
import { DemoWorker } from './demo-worker.js';
import { TextConsole } from './text-console.js';
import type { DemoWorkerData } from './worker-protocol.js';

/** bpp/depth the fbdev reports for each plane format (`drm_driver_legacy_fb_format` inverse). */
const BPP: Record<ClientConfig['format'], { bpp: number; depth: number }> = {
  XRGB8888: { bpp: 32, depth: 24 },
  ARGB8888: { bpp: 32, depth: 32 },
  RGB565: { bpp: 16, depth: 16 },
};

/**
 * A client of a DRM fbdev emulation over a GEM dumb buffer mounted at the configured fake offset:
 * a worker thread draws through its /dev/fb mapping; `shadow` clients also run a text console
 * that draws with fb_ops. The plane shows the GEM object; damage is the helper's `damage$`.
 */
export class FbdevClient implements SceneClient {
  readonly plane: Plane;
  readonly damage$: Observable<ClientDamage>;
  readonly stats: ClientStats = { writebacks: 0, pagesFlushed: 0, damagePixels: 0 };
  readonly fbdev: FbDeferredIoApi;
  private readonly worker: DemoWorker;
  private readonly watch: Subscription;
  private armedAt: number | undefined;
  private file: FbFile | undefined;
  private mapping: FbMappingApi | undefined;
  private consoleTicker: Subscription | undefined;

  constructor(
    readonly config: ClientConfig,
    private readonly helper: DrmFbHelper,
    private readonly env: ClientEnv,
  ) {
    const { bo } = helper;
    this.fbdev = helper.defio;
    const visible = new FbSurface(bo.bytes, config.width, config.height, bo.pitch, bo.format);
    this.plane = new Plane(config.name, visible, config.x, config.y, config.z);
    this.watch = helper.defio.pagerefs$.subscribe((batch) => {
      this.stats.writebacks += 1;
      this.stats.pagesFlushed += batch.pagerefs.length;
      this.armedAt = Math.min(batch.armedAt, this.armedAt ?? batch.armedAt);
    });
    this.damage$ = helper.damage$.pipe(
      map((d) => {
        const armedAt = this.armedAt;
        this.armedAt = undefined;
        for (const r of d.clips) this.stats.damagePixels += r.area;
        return { rects: d.clips, armedAt };
      }),
    );
    this.file = helper.defio.open();
    this.mapping = helper.defio.mmap(this.file, { length: helper.info.fix.smemLen });
    const data: DemoWorkerData = {
      mapping: this.mapping.share(),
      layout: {
        width: config.width,
        height: config.kind === 'shadow' ? Math.floor(config.height / 3) : config.height,
        pitch: bo.pitch,
        format: bo.format.name,
      },
      program: config.kind === 'shadow' ? 'clock' : 'bouncer',
      fps: config.fps,
    };
    this.worker = new DemoWorker(data);
  }

  async start(): Promise<void> {
    await this.worker.start();
    if (this.config.kind !== 'shadow') return;
    const console = new TextConsole(this.helper, Math.floor(this.config.height / 3));
    console.println(`${this.config.name}: fbdev with shadow, ${this.helper.bo.format.name}`);
    console.println(`GEM fake offset 0x${(this.config.offset ?? 0).toString(16)}`);
    this.consoleTicker = timer(1000, 1000, this.env.scheduler).subscribe((tick) => {
      const s = this.stats;
      console.println(`T${tick + 1} WRITEBACKS ${s.writebacks} PAGES ${s.pagesFlushed} DAMAGE PX ${s.damagePixels}`);
    });
  }

  /** Worker stops first; then munmap, last close (flushes), and helper teardown (flush + release). */
  async stop(): Promise<void> {
    this.consoleTicker?.unsubscribe();
    await this.worker.stop();
    this.mapping?.close();
    if (this.file) this.helper.defio.release(this.file);
    this.mapping = undefined;
    this.file = undefined;
    this.helper.destroy();
    this.watch.unsubscribe();
  }
}

/** Factory for `shmem` (no shadow, `drm_fbdev_shmem`) and `shadow` (generic fbdev) clients. */
export function fbdevClientFactory(kind: 'shmem' | 'shadow', fbdev: DrmFbdevFactoryApi): ClientFactory {
  return {
    kind,
    create(config, env) {
      const helper = fbdev.create({
        width: config.width,
        height: config.height,
        ...BPP[config.format],
        shadow: kind === 'shadow',
        clipMode: env.scene.damage,
        delay: env.scene.delayMs,
        gemOffset: config.offset,
      });
      return new FbdevClient(config, helper, env);
    },
  };
}
