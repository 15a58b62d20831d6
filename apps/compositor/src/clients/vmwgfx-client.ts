import { FbSurface, XRGB8888 } from '@fbemu/drm-fb-helper';
import type { FbDeferredIoApi, FbDeferredIoFactory, FbFile, FbMappingApi } from '@fbemu/fbdev-defio';
import { SvgaFifoWriter, SvgaHost, type SvgaHostApi, VmwFb } from '@fbemu/vmwgfx';
import { map, type Observable, type Subscription } from 'rxjs';
import type { ClientDamage, ClientFactory, ClientStats, SceneClient } from '../app/tokens.js';
import { Plane } from '../compose/plane.js';
import type { ClientConfig } from '../config/scene-config.js';
import { DemoWorker } from './demo-worker.js';

/**
 * A VMware SVGA guest: a worker draws through the vmw fbdev's /dev/fb mapping; the vmw dirty path
 * copies shadow → scanout and sends SVGA_CMD_UPDATE through the FIFO; the plane shows the SVGA
 * host's surface and its damage is the host's `updates$` — what a VM console viewer would see.
 * Each client gets its own device: a child container with its own host, FIFO and fbdev.
 */
export class VmwgfxClient implements SceneClient {
  readonly plane: Plane;
  readonly damage$: Observable<ClientDamage>;
  readonly stats: ClientStats = { writebacks: 0, pagesFlushed: 0, damagePixels: 0 };
  readonly fbdev: FbDeferredIoApi;
  private readonly worker: DemoWorker;
  private readonly watch: Subscription;
  private armedAt: number | undefined;
  private file: FbFile | undefined;
  private mapping: FbMappingApi | undefined;

  constructor(
    readonly config: ClientConfig,
    private readonly fb: VmwFb,
    host: SvgaHostApi,
  ) {
    const s = host.surface;
    this.fbdev = fb.defio;
    this.plane = new Plane(
      config.name,
      new FbSurface(s.bytes, s.width, s.height, s.pitch, XRGB8888),
      config.x,
      config.y,
      config.z,
    );
    this.watch = fb.defio.pagerefs$.subscribe((batch) => {
      this.stats.writebacks += 1;
      this.stats.pagesFlushed += batch.pagerefs.length;
      this.armedAt = Math.min(batch.armedAt, this.armedAt ?? batch.armedAt);
    });
    this.damage$ = host.updates$.pipe(
      map((r) => {
        const armedAt = this.armedAt;
        this.armedAt = undefined;
        this.stats.damagePixels += r.area;
        return { rects: [r], armedAt };
      }),
    );
    this.file = fb.defio.open();
    this.mapping = fb.defio.mmap(this.file, { length: fb.info.fix.smemLen });
    this.worker = new DemoWorker({
      mapping: this.mapping.share(),
      layout: { width: config.width, height: config.height, pitch: fb.shadow.pitch, format: 'XRGB8888' },
      program: 'stripes',
      fps: config.fps,
    });
  }

  async start(): Promise<void> {
    await this.worker.start();
  }

  async stop(): Promise<void> {
    await this.worker.stop();
    this.mapping?.close();
    if (this.file) this.fb.defio.release(this.file);
    this.mapping = undefined;
    this.file = undefined;
    this.fb.close();
    this.watch.unsubscribe();
  }
}

/** Factory for `vmwgfx` clients: one SVGA device (host, FIFO, vmw fbdev) per client, sized to it. */
export function vmwgfxClientFactory(defioFactory: FbDeferredIoFactory): ClientFactory {
  return {
    kind: 'vmwgfx',
    create(config, env) {
      const { width, height } = config;
      const vramBytes = Math.max(1 << 20, Math.ceil((width * height * 4) / 4096) * 4096);
      const host = new SvgaHost({ width, height, maxWidth: width, maxHeight: height, vramBytes });
      const fifo = new SvgaFifoWriter(host, host.memory, env.scheduler);
      const fb = new VmwFb(host, host.memory, fifo, defioFactory, env.scheduler, {
        width,
        height,
        delay: env.scene.delayMs,
      });
      return new VmwgfxClient(config, fb, host);
    },
  };
}
