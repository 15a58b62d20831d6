import { check } from '@fbemu/gem-shmem';
import type { Subscription } from 'rxjs';
import type { Compositor } from '../compose/compositor.js';
import { LatencyRing } from '../stats/latency.js';
import type { ClientDamage, ClientEnv, ClientFactory, SceneClient } from './tokens.js';

/**
 * Builds the scene's clients through their factories, mounts each as a plane and routes its
 * damage into the compositor. Nothing polls pixels: every update arrives as damage.
 */
export class Scene {
  readonly clients: SceneClient[] = [];
  /** per client: first write of a defio cycle → the composited frame that showed it, ms */
  readonly latency = new Map<string, LatencyRing>();
  private readonly subscriptions: Subscription[] = [];
  /** per client: the earliest armedAt of damage not composited yet */
  private readonly armed = new Map<string, number>();
  private stopped = false;

  constructor(
    private readonly compositor: Compositor,
    private readonly factories: readonly ClientFactory[],
    private readonly env: ClientEnv,
  ) {
    this.subscriptions.push(
      compositor.frames$.subscribe((f) => {
        for (const [name, armedAt] of this.armed) this.latency.get(name)?.record(f.at - armedAt);
        this.armed.clear();
      }),
    );
  }

  /** Creates every configured client (no worker runs yet); on failure, what was built is stopped. */
  async build(): Promise<void> {
    try {
      for (const config of this.env.scene.clients) {
        const factory = this.factories.find((f) => f.kind === config.kind);
        check(factory !== undefined, 'ENOENT', `no client factory for kind ${config.kind}`);
        const client = factory.create(config, this.env);
        this.clients.push(client);
        this.latency.set(config.name, new LatencyRing(1024));
        this.compositor.addPlane(client.plane);
        this.subscriptions.push(client.damage$.subscribe((d) => this.damage(config.name, d)));
      }
    } catch (e) {
      await this.stop();
      throw e;
    }
  }

  private damage(name: string, d: ClientDamage): void {
    if (d.armedAt !== undefined) this.armed.set(name, Math.min(d.armedAt, this.armed.get(name) ?? d.armedAt));
    this.compositor.damagePlane(name, d.rects, d.armedAt);
  }

  async start(): Promise<void> {
    for (const c of this.clients) await c.start();
  }

  /** Stops every client (each flushes its last frame), then composites what they delivered. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const c of this.clients) await c.stop();
    this.compositor.composite();
    for (const s of this.subscriptions.splice(0)) s.unsubscribe();
  }
}
