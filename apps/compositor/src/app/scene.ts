import { check } from '@fbemu/gem-shmem';
import type { Subscription } from 'rxjs';
import type { Compositor } from '../compose/compositor.js';
import type { ClientEnv, ClientFactory, SceneClient } from './tokens.js';

/**
 * Builds the scene's clients through their factories, mounts each as a plane and routes its
 * damage into the compositor. Nothing polls pixels: every update arrives as damage.
 */
export class Scene {
  readonly clients: SceneClient[] = [];
  private readonly subscriptions: Subscription[] = [];
  private stopped = false;

  constructor(
    private readonly compositor: Compositor,
    private readonly factories: readonly ClientFactory[],
    private readonly env: ClientEnv,
  ) {}

  /** Creates every configured client (no worker runs yet); on failure, what was built is stopped. */
  async build(): Promise<void> {
    try {
      for (const config of this.env.scene.clients) {
        const factory = this.factories.find((f) => f.kind === config.kind);
        check(factory !== undefined, 'ENOENT', `no client factory for kind ${config.kind}`);
        const client = factory.create(config, this.env);
        this.clients.push(client);
        this.compositor.addPlane(client.plane);
        this.subscriptions.push(
          client.damage$.subscribe((d) => this.compositor.damagePlane(config.name, d.rects, d.armedAt)),
        );
      }
    } catch (e) {
      await this.stop();
      throw e;
    }
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
