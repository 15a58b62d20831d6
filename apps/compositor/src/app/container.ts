import { loadNative, SHARED_MEMORY_ALLOCATOR, sharedMemoryAllocator } from '@fbemu/chrdev';
import { drmFbHelperModule } from '@fbemu/drm-fb-helper';
import { fbdevDefioModule, SCHEDULER } from '@fbemu/fbdev-defio';
import { GEM_DEVICE_OPTIONS, gemShmemModule } from '@fbemu/gem-shmem';
import { vmwgfxModule } from '@fbemu/vmwgfx';
import { Container, type ContainerModule } from 'inversify';
import type { SchedulerLike } from 'rxjs';
import type { SceneConfig } from '../config/scene-config.js';
import { compositorModule, pngOutputModule, vncOutputModule } from './module.js';
import { CLIENT_LOG, type ClientLog, SCENE_CONFIG } from './tokens.js';

export interface AppContainerOptions {
  scene: SceneConfig;
  /** `asyncScheduler` in the app; a virtual-time scheduler in tests */
  scheduler: SchedulerLike;
  /** no RFB server and no viewer page (PNG output stays) */
  headless?: boolean;
  /** where clients log (a real program's output and exit); default: nowhere */
  log?: ClientLog;
  /** extra modules, e.g. a user's own outputs bound to OUTPUTS or client kinds to CLIENT_FACTORIES */
  modules?: ContainerModule[];
}

/** The composition root: one container with every fbemu package's module and the app's own. */
export function createAppContainer(options: AppContainerOptions): Container {
  const container = new Container();
  container.bind(SCHEDULER).toConstantValue(options.scheduler);
  container.bind(SCENE_CONFIG).toConstantValue(options.scene);
  container.bind(GEM_DEVICE_OPTIONS).toConstantValue({ pageSize: options.scene.pageSize });
  // memfd-backed memory: real programs map their framebuffers (plain shared memory without the addon)
  container.bind(SHARED_MEMORY_ALLOCATOR).toConstantValue(sharedMemoryAllocator(loadNative()));
  if (options.log) container.bind(CLIENT_LOG).toConstantValue(options.log);
  container.load(
    gemShmemModule,
    fbdevDefioModule,
    drmFbHelperModule,
    vmwgfxModule,
    compositorModule,
    pngOutputModule,
  );
  if (!options.headless) container.load(vncOutputModule);
  if (options.modules?.length) container.load(...options.modules);
  return container;
}
