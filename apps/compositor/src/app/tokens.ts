import type { Rect } from '@fbemu/drm-fb-helper';
import type { FbDeferredIoApi } from '@fbemu/fbdev-defio';
import type { GemDevice } from '@fbemu/gem-shmem';
import type { Observable, SchedulerLike } from 'rxjs';
import type { Plane } from '../compose/plane.js';
import type { ClientConfig, ClientKind, SceneConfig } from '../config/scene-config.js';
import type { PlaneInputEvent } from '../input/input-router.js';

/** The validated scene the app runs. */
export const SCENE_CONFIG: unique symbol = Symbol.for('fbemu.compositor.SceneConfig');
/** The `Compositor` (one per container). */
export const COMPOSITOR: unique symbol = Symbol.for('fbemu.compositor.Compositor');
/** Contribution point: every `ClientFactory` bound here can be named by a client's `kind`. */
export const CLIENT_FACTORIES: unique symbol = Symbol.for('fbemu.compositor.ClientFactories');
/** The `PngOutput` (snapshots on demand, periodic frames). */
export const PNG_OUTPUT: unique symbol = Symbol.for('fbemu.compositor.PngOutput');
/** Where clients say what happened to them (a real program's output and exit); optional. */
export const CLIENT_LOG: unique symbol = Symbol.for('fbemu.compositor.ClientLog');
/** The `ViewerServer` (noVNC page + WebSocket), bound when not headless. */
export const VIEWER: unique symbol = Symbol.for('fbemu.compositor.Viewer');
/** The `InputRouter`: viewers' keys and pointer → the programs and clients behind the planes. */
export const INPUT_ROUTER: unique symbol = Symbol.for('fbemu.compositor.InputRouter');
/** The `PointerDrag` the router hands Ctrl+drag to. */
export const POINTER_DRAG: unique symbol = Symbol.for('fbemu.compositor.PointerDrag');

/** Damage a client reports, in its plane's coordinates. */
export interface ClientDamage {
  readonly rects: readonly Rect[];
  /** scheduler time of the first write of the defio cycle that produced it */
  readonly armedAt?: number;
}

/** Per-client counters for the stats line. */
export interface ClientStats {
  writebacks: number;
  pagesFlushed: number;
  damagePixels: number;
}

/** A running client: a framebuffer shown as a plane, and the damage its driver reports. */
export interface SceneClient {
  readonly config: ClientConfig;
  readonly plane: Plane;
  readonly damage$: Observable<ClientDamage>;
  readonly stats: ClientStats;
  /** the client's /dev/fb (deferred I/O core): open + mmap it to draw from anywhere */
  readonly fbdev: FbDeferredIoApi;
  /** starts the client's writers (worker threads) */
  start(): Promise<void>;
  /** stops the writers, then release → flush → cleanup, so the last frame is delivered */
  stop(): Promise<void>;
}

/** Log lines of clients (the CLI's logger has this shape). */
export interface ClientLog {
  info(msg: string, fields?: Record<string, string | number | boolean | undefined>): void;
  warn(msg: string, fields?: Record<string, string | number | boolean | undefined>): void;
}

/** What a factory gets to build a client. */
export interface ClientEnv {
  readonly scene: SceneConfig;
  readonly device: GemDevice;
  readonly scheduler: SchedulerLike;
  readonly log: ClientLog;
  /** viewers' input for a plane (keys while it has a viewer's focus, pointer over it), in plane coordinates */
  readonly input?: { input$(planeId: string): Observable<PlaneInputEvent> };
}

/** Builds clients of one kind; bind more under CLIENT_FACTORIES to add kinds without editing the app. */
export interface ClientFactory {
  readonly kind: ClientKind | string;
  create(config: ClientConfig, env: ClientEnv): SceneClient;
}
