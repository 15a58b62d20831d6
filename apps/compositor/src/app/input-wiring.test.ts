import { FbSurface, XRGB8888 } from '@fbemu/drm-fb-helper';
import { expect } from 'chai';
import { ContainerModule } from 'inversify';
import { NEVER, VirtualTimeScheduler } from 'rxjs';
import { Plane } from '../compose/plane.js';
import { type ClientConfig, DEFAULT_SCENE, type SceneConfig } from '../config/scene-config.js';
import type { PlaneInputEvent } from '../input/input-router.js';
import { CompositorApp } from './app.js';
import { createAppContainer } from './container.js';
import { CLIENT_FACTORIES, type ClientEnv, type ClientFactory, type SceneClient } from './tokens.js';

/**
 * The app's input wiring (virtual time): a TypeScript client gets its plane's input through
 * `ClientEnv.input`; a plain press on a plane that takes no input still drags it; Ctrl+drag moves
 * a plane that does, and reaches no client.
 */
const received = new Map<string, PlaneInputEvent[]>();

/** A client that draws nothing; `listen` ones subscribe to their plane's input at creation. */
const probes: ClientFactory = {
  kind: 'probe',
  create(config: ClientConfig, env: ClientEnv): SceneClient {
    const { width, height } = config;
    const surface = new FbSurface(new Uint8Array(width * height * 4), width, height, width * 4, XRGB8888);
    if (config.name.startsWith('listen')) {
      const events: PlaneInputEvent[] = [];
      received.set(config.name, events);
      env.input?.input$(config.name).subscribe((e) => events.push(e));
    }
    const stats = { writebacks: 0, pagesFlushed: 0, damagePixels: 0 };
    const nothing = async () => {};
    // fbdev is not used by the scene: a probe has no /dev/fb
    return {
      config,
      plane: new Plane(config.name, surface, config.x, config.y, config.z),
      damage$: NEVER,
      stats,
      fbdev: undefined as never,
      start: nothing,
      stop: nothing,
    };
  },
};

function probe(name: string, x: number, y: number, z: number): ClientConfig {
  return {
    name,
    kind: 'probe' as ClientConfig['kind'],
    width: 32,
    height: 24,
    format: 'XRGB8888',
    x,
    y,
    z,
    fps: 1,
  };
}

describe('app input wiring', () => {
  it('a TypeScript client gets its input in plane coordinates; plain drag moves a plane without input, Ctrl+drag any', async () => {
    const scheduler = new VirtualTimeScheduler();
    const scene: SceneConfig = {
      ...DEFAULT_SCENE,
      output: { width: 200, height: 120, background: 0 },
      png: { dir: 'unused', intervalMs: 0 },
      clients: [probe('listen', 50, 40, 1), probe('still', 120, 10, 2)],
    };
    const extra = new ContainerModule(({ bind }) => {
      bind(CLIENT_FACTORIES).toConstantValue(probes);
    });
    const app = new CompositorApp(createAppContainer({ scene, scheduler, headless: true, modules: [extra] }));
    await app.scene.build();
    const send = (e: Parameters<typeof app.input.handle>[0]) => {
      app.input.handle(e);
      scheduler.flush();
    };
    const pointer = (buttonMask: number, x: number, y: number) =>
      send({ type: 'pointer', session: 1, buttonMask, x, y });
    const key = (keysym: number, down: boolean) => send({ type: 'key', session: 1, keysym, down });
    const events = received.get('listen') ?? [];

    pointer(1, 60, 50);
    pointer(0, 60, 50);
    key(0x78, true);
    key(0x78, false);
    expect(
      events.map((e) => (e.type === 'pointer' ? [e.type, e.x, e.y, e.buttonMask] : [e.type])),
    ).to.deep.equal([['focus'], ['pointer', 10, 10, 1], ['pointer', 10, 10, 0], ['key'], ['key']]);
    const typed = events[3];
    expect(typed.type === 'key' && [...(typed.bytes ?? [])]).to.deep.equal([0x78]);

    // a plain drag of the plane nobody listens to moves it; the focus stays
    pointer(1, 125, 15);
    pointer(1, 135, 25);
    pointer(0, 135, 25);
    expect([app.compositor.plane('still').x, app.compositor.plane('still').y]).to.deep.equal([130, 20]);
    expect(app.input.focusOf(1)).to.equal('listen');

    // Ctrl+drag moves the listening plane; its client sees the Ctrl key, no pointer event
    const before = events.length;
    key(0xffe3, true);
    pointer(1, 55, 45);
    pointer(1, 75, 55);
    pointer(0, 75, 55);
    key(0xffe3, false);
    expect([app.compositor.plane('listen').x, app.compositor.plane('listen').y]).to.deep.equal([70, 50]);
    expect(events.slice(before).map((e) => e.type)).to.deep.equal(['key', 'key']);
    await app.stop();
  });
});
