import { SCHEDULER } from '@fbemu/fbdev-defio';
import { GEM_DEVICE, type GemDevice } from '@fbemu/gem-shmem';
import type { Container } from 'inversify';
import { EMPTY, filter, type Observable, type SchedulerLike, type Subscription } from 'rxjs';
import type { Compositor } from '../compose/compositor.js';
import type { SceneConfig } from '../config/scene-config.js';
import type { InputRouter } from '../input/input-router.js';
import type { PngOutput } from '../output/png.js';
import type { RfbServer } from '../output/rfb/server.js';
import { OUTPUTS, type Output, RFB_SERVER } from '../output/tokens.js';
import type { ViewerServer } from '../output/viewer/http.js';
import { LatencyRing } from '../stats/latency.js';
import { isViewerEvent, type ViewerEvent } from '../stats/viewer-event.js';
import type { PointerDrag } from './pointer-drag.js';
import { Scene } from './scene.js';
import {
  CLIENT_FACTORIES,
  CLIENT_LOG,
  type ClientFactory,
  type ClientLog,
  COMPOSITOR,
  INPUT_ROUTER,
  PNG_OUTPUT,
  POINTER_DRAG,
  SCENE_CONFIG,
  VIEWER,
} from './tokens.js';

export interface AppStats {
  frames: number;
  writebacks: number;
  pagesFlushed: number;
  /** pixels recomposited, summed over frames */
  damagePixels: number;
  /** what full-frame recomposition would have cost over the same frames */
  fullFramePixels: number;
  latencyP50: number;
  latencyP99: number;
  /** latency samples recorded since start (a stats window asks `latency` for its own newest ones) */
  latencySamples: number;
  rfbClients: number;
  rfbBytes: number;
  /** each real program's own figures */
  programs: ProgramStats[];
}

/** A real program's writebacks and latency (what its own stores cost and how fast they show). */
export interface ProgramStats {
  name: string;
  writebacks: number;
  pagesFlushed: number;
  /** first write of a defio cycle → composited frame, ms (NaN before any) */
  latencyP50: number;
  latencyP99: number;
}

const SILENT: ClientLog = { info: () => {}, warn: () => {} };

/** Where to look once the app runs. */
export interface AppEndpoints {
  viewerUrl?: string;
  rfbPort?: number;
  pngDir?: string;
}

/**
 * The running compositor: builds the scene from the container, starts outputs and clients, keeps
 * the stats, and shuts down in the order that loses nothing: clients stop (release → flush →
 * cleanup), the last frame is composited and written, then sockets close.
 */
export class CompositorApp {
  readonly compositor: Compositor;
  readonly scene: Scene;
  readonly png: PngOutput;
  /** viewers' keys and pointer → the planes' programs and clients (focus follows a press; Ctrl+drag moves a plane) */
  readonly input: InputRouter;
  private readonly scheduler: SchedulerLike;
  private readonly outputs: Output[];
  private readonly viewer: ViewerServer | undefined;
  private readonly rfb: RfbServer | undefined;
  /** write → output latency samples, newest last (read them, never record into them) */
  readonly latency = new LatencyRing();
  private readonly counters = { frames: 0, damagePixels: 0 };
  private frames: Subscription | undefined;
  private viewerInput: Subscription | undefined;
  private stopped = false;

  constructor(private readonly container: Container) {
    const config = container.get<SceneConfig>(SCENE_CONFIG);
    this.scheduler = container.get<SchedulerLike>(SCHEDULER);
    this.compositor = container.get<Compositor>(COMPOSITOR);
    this.outputs = container.getAll<Output>(OUTPUTS, { optional: true }) ?? [];
    this.png = container.get<PngOutput>(PNG_OUTPUT);
    this.viewer = container.isBound(VIEWER) ? container.get<ViewerServer>(VIEWER) : undefined;
    this.rfb = container.isBound(RFB_SERVER) ? container.get<RfbServer>(RFB_SERVER) : undefined;
    this.input = container.get<InputRouter>(INPUT_ROUTER);
    const factories = container.getAll<ClientFactory>(CLIENT_FACTORIES);
    this.scene = new Scene(this.compositor, factories, {
      scene: config,
      device: container.get<GemDevice>(GEM_DEVICE),
      scheduler: this.scheduler,
      log: container.isBound(CLIENT_LOG) ? container.get<ClientLog>(CLIENT_LOG) : SILENT,
      input: this.input,
    });
  }

  async start(): Promise<AppEndpoints> {
    this.watchInput();
    this.frames = this.compositor.frames$.subscribe((f) => {
      this.counters.frames += 1;
      this.counters.damagePixels += f.pixels;
      if (f.armedAt !== undefined) this.latency.record(f.at - f.armedAt);
    });
    await this.scene.build();
    for (const o of this.outputs) await o.start();
    await this.viewer?.start();
    await this.scene.start();
    const { png } = this.container.get<SceneConfig>(SCENE_CONFIG);
    return {
      viewerUrl: this.viewer?.url,
      rfbPort: this.rfb?.port,
      pngDir: png.intervalMs > 0 ? png.dir : undefined,
    };
  }

  /**
   * Viewers' keys and pointer go through the InputRouter (see docs/input.md): to the program or
   * client under a press, and with Ctrl held to PointerDrag, which moves the plane (the moves
   * reach viewers as CopyRect). A viewer leaving releases what it held.
   */
  private watchInput(): void {
    if (!this.rfb) return;
    const drag = this.container.get<PointerDrag>(POINTER_DRAG);
    this.viewerInput = this.rfb.events$.subscribe((e) => {
      if (e.type === 'key' || e.type === 'pointer' || e.type === 'disconnected') this.input.handle(e);
      if (e.type === 'disconnected') drag.forget(e.session);
    });
  }

  /** Viewer connections, disconnections and refusals (with reasons); empty when headless. */
  get viewerEvents$(): Observable<ViewerEvent> {
    if (!this.rfb) return EMPTY;
    return this.rfb.events$.pipe(filter(isViewerEvent));
  }

  stats(): AppStats {
    let writebacks = 0;
    let pagesFlushed = 0;
    for (const c of this.scene.clients) {
      writebacks += c.stats.writebacks;
      pagesFlushed += c.stats.pagesFlushed;
    }
    const rfb = this.rfb?.stats() ?? {};
    return {
      frames: this.counters.frames,
      writebacks,
      pagesFlushed,
      damagePixels: this.counters.damagePixels,
      fullFramePixels: this.counters.frames * this.compositor.width * this.compositor.height,
      latencyP50: this.latency.percentile(50),
      latencyP99: this.latency.percentile(99),
      latencySamples: this.latency.recorded,
      rfbClients: rfb.clients ?? 0,
      rfbBytes: rfb.bytesSent ?? 0,
      programs: this.programStats(),
    };
  }

  private programStats(): ProgramStats[] {
    return this.scene.clients
      .filter((c) => c.config.kind === 'program')
      .map((c) => {
        const [p50, p99] = this.scene.latency.get(c.config.name)?.percentiles([50, 99]) ?? [
          Number.NaN,
          Number.NaN,
        ];
        const { writebacks, pagesFlushed } = c.stats;
        return { name: c.config.name, writebacks, pagesFlushed, latencyP50: p50, latencyP99: p99 };
      });
  }

  /** Stops everything; `snapshot` writes the final frame to that PNG path first. Idempotent. */
  async stop(snapshot?: string): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.scene.stop();
    if (snapshot) await this.png.snapshot(snapshot);
    await this.viewer?.close();
    for (const o of this.outputs) await o.close();
    this.frames?.unsubscribe();
    this.viewerInput?.unsubscribe();
    this.input.close();
    this.compositor.close();
  }
}
