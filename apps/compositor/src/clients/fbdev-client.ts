import { type DrmFbdevFactoryApi, type DrmFbHelper, FbSurface, formatByName } from '@fbemu/drm-fb-helper';
import { map, type Subscription, timer } from 'rxjs';
import type { ClientEnv, ClientFactory } from '../app/tokens.js';
import { Plane } from '../compose/plane.js';
import type { ClientConfig } from '../config/scene-config.js';
import { InputEcho } from './input-echo.js';
import { TextConsole } from './text-console.js';
import { WorkerFbClient } from './worker-fb-client.js';

/**
 * A client of a DRM fbdev emulation over a GEM dumb buffer mounted at the configured fake offset:
 * a worker thread draws through its /dev/fb mapping; `shadow` clients also run a text console
 * that draws with fb_ops and prints what viewers type and click on its plane (`ClientEnv.input`:
 * Ctrl+drag moves it, since it takes input). The plane shows the GEM object; damage is the helper's `damage$`.
 */
export class FbdevClient extends WorkerFbClient {
  private consoleTicker: Subscription | undefined;
  private consoleInput: Subscription | undefined;

  constructor(
    config: ClientConfig,
    private readonly helper: DrmFbHelper,
    private readonly env: ClientEnv,
  ) {
    const { bo } = helper;
    const visible = new FbSurface(bo.bytes, config.width, config.height, bo.pitch, bo.format);
    const shadow = config.kind === 'shadow';
    super(
      config,
      helper.defio,
      new Plane(config.name, visible, config.x, config.y, config.z),
      helper.damage$.pipe(map((d) => d.clips)),
      {
        program: shadow ? 'clock' : 'bouncer',
        // the shadow client's worker draws the clock in the top third; the console owns the rest
        layout: {
          width: config.width,
          height: shadow ? Math.floor(config.height / 3) : config.height,
          pitch: bo.pitch,
          format: bo.format.name,
        },
      },
    );
  }

  override async start(): Promise<void> {
    await super.start();
    if (this.config.kind !== 'shadow') return;
    const console = new TextConsole(this.helper, Math.floor(this.config.height / 3));
    console.println(`${this.config.name}: fbdev with shadow, ${this.helper.bo.format.name}`);
    console.println(`GEM fake offset 0x${(this.config.offset ?? 0).toString(16)}`);
    this.consoleTicker = timer(1000, 1000, this.env.scheduler).subscribe((tick) => {
      const s = this.stats;
      console.println(
        `T${tick + 1} WRITEBACKS ${s.writebacks} PAGES ${s.pagesFlushed} DAMAGE PX ${s.damagePixels}`,
      );
    });
    const echo = new InputEcho();
    this.consoleInput = this.env.input?.input$(this.config.name).subscribe((e) => {
      const line = echo.line(e);
      if (line) console.println(line);
    });
  }

  override async stop(): Promise<void> {
    this.consoleTicker?.unsubscribe();
    this.consoleInput?.unsubscribe();
    await super.stop();
  }

  protected teardown(): void {
    this.helper.destroy();
  }
}

/** Factory for `shmem` (no shadow, `drm_fbdev_shmem`) and `shadow` (generic fbdev) clients. */
export function fbdevClientFactory(kind: 'shmem' | 'shadow', fbdev: DrmFbdevFactoryApi): ClientFactory {
  return {
    kind,
    create(config, env) {
      const format = formatByName(config.format);
      const helper = fbdev.create({
        width: config.width,
        height: config.height,
        // the fbdev's bits_per_pixel and depth are the DRM format's own (XRGB8888 = 32/24, RGB565 = 16/16)
        bpp: format.bpp,
        depth: format.depth,
        shadow: kind === 'shadow',
        clipMode: env.scene.damage,
        delay: env.scene.delayMs,
        gemOffset: config.offset,
      });
      return new FbdevClient(config, helper, env);
    },
  };
}
