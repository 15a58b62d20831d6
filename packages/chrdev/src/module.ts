import { ContainerModule } from 'inversify';
import { FrontDoor } from './front-door.js';
import { loadNative } from './native.js';
import { ChrdevRegistry } from './registry.js';
import { sharedMemoryAllocator } from './shared-memory.js';
import {
  CHRDEV_REGISTRY,
  type ChrdevRegistryApi,
  FRONT_DOOR,
  type FrontDoorApi,
  SHARED_MEMORY_ALLOCATOR,
  type SharedMemoryAllocator,
} from './tokens.js';

/** Binds the device registry, the front door and the memory allocator; the root binds SCHEDULER. */
export const chrdevModule = new ContainerModule(({ bind }) => {
  bind<ChrdevRegistryApi>(CHRDEV_REGISTRY).to(ChrdevRegistry).inSingletonScope();
  bind<FrontDoorApi>(FRONT_DOOR).to(FrontDoor).inSingletonScope();
  bind<SharedMemoryAllocator>(SHARED_MEMORY_ALLOCATOR)
    .toDynamicValue(() => sharedMemoryAllocator(loadNative()))
    .inSingletonScope();
});
