import { ContainerModule } from 'inversify';
import { EvdevRegistry } from './registry.js';
import { EVDEV_REGISTRY, type EvdevRegistryApi } from './tokens.js';

/** Binds the evdev registry; it uses `INPUT_CLOCK` when bound (tests bind a virtual clock), else the system clocks. */
export const evdevModule = new ContainerModule(({ bind }) => {
  bind<EvdevRegistryApi>(EVDEV_REGISTRY).to(EvdevRegistry).inSingletonScope();
});
