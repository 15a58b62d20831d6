import { ContainerModule } from 'inversify';
import { FbmemFactory } from './factory.js';
import { FbRegistry } from './registry.js';
import { FAKE_VT, FB_REGISTRY, FBMEM_FACTORY, type FbmemFactoryApi } from './tokens.js';
import { FakeVt } from './vt.js';

/**
 * Binds the framebuffer factory and registry, and a fake VT (`FAKE_VT`: its `devices()` are
 * /dev/tty0…63 for programs that need a console). Needs `FB_DEFERRED_IO_FACTORY` (fbdevDefioModule)
 * and `SCHEDULER`; uses `SHARED_MEMORY_ALLOCATOR` when bound (the front door's memfd allocator, in any
 * load order), else plain shared memory.
 */
export const fbmemModule = new ContainerModule(({ bind }) => {
  bind(FB_REGISTRY).to(FbRegistry).inSingletonScope();
  bind(FAKE_VT).to(FakeVt).inSingletonScope();
  bind<FbmemFactoryApi>(FBMEM_FACTORY).to(FbmemFactory).inSingletonScope();
});
