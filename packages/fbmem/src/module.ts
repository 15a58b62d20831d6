import { ContainerModule } from 'inversify';
import { FbmemFactory } from './factory.js';
import { plainSharedMemory } from './framebuffer.js';
import { FbRegistry } from './registry.js';
import {
  FAKE_VT,
  FB_REGISTRY,
  FBMEM_FACTORY,
  type FbmemFactoryApi,
  SHARED_MEMORY_ALLOCATOR,
} from './tokens.js';
import { FakeVt } from './vt.js';

/**
 * Binds the framebuffer factory and registry, and a fake VT (`FAKE_VT`: its `devices()` are
 * /dev/tty0…63 for programs that need a console). Needs `FB_DEFERRED_IO_FACTORY` (fbdevDefioModule)
 * and `SCHEDULER`; binds plain shared memory as `SHARED_MEMORY_ALLOCATOR` unless one is bound.
 */
export const fbmemModule = new ContainerModule(({ bind, isBound }) => {
  bind(FB_REGISTRY).to(FbRegistry).inSingletonScope();
  bind(FAKE_VT).to(FakeVt).inSingletonScope();
  bind<FbmemFactoryApi>(FBMEM_FACTORY).to(FbmemFactory).inSingletonScope();
  if (!isBound(SHARED_MEMORY_ALLOCATOR)) bind(SHARED_MEMORY_ALLOCATOR).toConstantValue(plainSharedMemory);
});
