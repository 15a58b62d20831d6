import { SHARED_MEMORY_ALLOCATOR, type SharedMemoryAllocator } from '@fbemu/chrdev';
import { DRM_FBDEV_FACTORY, type DrmFbdevFactoryApi } from '@fbemu/drm-fb-helper';
import { FB_DEFERRED_IO_FACTORY, type FbDeferredIoFactory, SCHEDULER } from '@fbemu/fbdev-defio';
import { ContainerModule } from 'inversify';
import type { SchedulerLike } from 'rxjs';
import { fbdevClientFactory } from '../clients/fbdev-client.js';
import { programClientFactory } from '../clients/program-client.js';
import { vmwgfxClientFactory } from '../clients/vmwgfx-client.js';
import { Compositor } from '../compose/compositor.js';
import type { SceneConfig } from '../config/scene-config.js';
import { InputRouter } from '../input/input-router.js';
import { PngOutput } from '../output/png.js';
import { WorkerPngEncoder } from '../output/png-encoder.js';
import { DEFAULT_RFB_OPTIONS, RfbServer } from '../output/rfb/server.js';
import {
  OUTPUTS,
  type Output,
  PNG_ENCODER,
  PNG_OPTIONS,
  RFB_OPTIONS,
  RFB_SERVER,
  VIEWER_OPTIONS,
} from '../output/tokens.js';
import { DEFAULT_VIEWER_OPTIONS, ViewerServer } from '../output/viewer/http.js';
import { PointerDrag } from './pointer-drag.js';
import {
  CLIENT_FACTORIES,
  type ClientFactory,
  COMPOSITOR,
  INPUT_ROUTER,
  PNG_OUTPUT,
  POINTER_DRAG,
  SCENE_CONFIG,
  VIEWER,
} from './tokens.js';

/**
 * The compositor, the input router (Ctrl+drag handed to PointerDrag), the three client kinds of
 * the demo scene and real programs (contribution point CLIENT_FACTORIES). Programs' framebuffers
 * come from SHARED_MEMORY_ALLOCATOR (chrdev's memfd one).
 */
export const compositorModule = new ContainerModule(({ bind }) => {
  bind(COMPOSITOR)
    .toDynamicValue((ctx) => {
      const { output } = ctx.get<SceneConfig>(SCENE_CONFIG);
      const outputs = ctx.getAll<Output>(OUTPUTS, { optional: true }) ?? [];
      return new Compositor(output, ctx.get<SchedulerLike>(SCHEDULER), outputs);
    })
    .inSingletonScope();
  bind(POINTER_DRAG)
    .toDynamicValue((ctx) => new PointerDrag(ctx.get<Compositor>(COMPOSITOR)))
    .inSingletonScope();
  bind(INPUT_ROUTER)
    .toDynamicValue((ctx) => {
      const drag = ctx.get<PointerDrag>(POINTER_DRAG);
      return new InputRouter(ctx.get<Compositor>(COMPOSITOR), ctx.get<SchedulerLike>(SCHEDULER), (e) =>
        drag.handle(e),
      );
    })
    .inSingletonScope();
  for (const kind of ['shmem', 'shadow'] as const) {
    bind<ClientFactory>(CLIENT_FACTORIES).toDynamicValue((ctx) =>
      fbdevClientFactory(kind, ctx.get<DrmFbdevFactoryApi>(DRM_FBDEV_FACTORY)),
    );
  }
  bind<ClientFactory>(CLIENT_FACTORIES).toDynamicValue((ctx) =>
    vmwgfxClientFactory(ctx.get<FbDeferredIoFactory>(FB_DEFERRED_IO_FACTORY)),
  );
  bind<ClientFactory>(CLIENT_FACTORIES).toDynamicValue((ctx) =>
    programClientFactory({
      allocate: ctx.get<SharedMemoryAllocator>(SHARED_MEMORY_ALLOCATOR),
      defioFactory: ctx.get<FbDeferredIoFactory>(FB_DEFERRED_IO_FACTORY),
      scheduler: ctx.get<SchedulerLike>(SCHEDULER),
      compositor: ctx.get<Compositor>(COMPOSITOR),
      input: ctx.get<InputRouter>(INPUT_ROUTER),
    }),
  );
});

/** PNG snapshots and the periodic frame writer, configured from the scene. */
export const pngOutputModule = new ContainerModule(({ bind }) => {
  bind(PNG_OPTIONS).toDynamicValue((ctx) => {
    const { png } = ctx.get<SceneConfig>(SCENE_CONFIG);
    return {
      dir: png.intervalMs > 0 ? png.dir : undefined,
      intervalMs: Math.max(png.intervalMs, 1),
      onlyOnDamage: true,
    };
  });
  bind(PNG_ENCODER)
    .toDynamicValue(() => new WorkerPngEncoder())
    .inSingletonScope();
  bind(PNG_OUTPUT).to(PngOutput).inSingletonScope();
  bind(OUTPUTS).toService(PNG_OUTPUT);
});

/** The RFB server (TCP) and the noVNC page with its WebSocket endpoint, configured from the scene. */
export const vncOutputModule = new ContainerModule(({ bind }) => {
  bind(RFB_OPTIONS).toDynamicValue((ctx) => ({
    ...DEFAULT_RFB_OPTIONS,
    ...ctx.get<SceneConfig>(SCENE_CONFIG).rfb,
  }));
  bind(VIEWER_OPTIONS).toDynamicValue((ctx) => ({
    ...DEFAULT_VIEWER_OPTIONS,
    ...ctx.get<SceneConfig>(SCENE_CONFIG).http,
  }));
  bind(RFB_SERVER).to(RfbServer).inSingletonScope();
  bind(OUTPUTS).toService(RFB_SERVER);
  bind(VIEWER).to(ViewerServer).inSingletonScope();
});
