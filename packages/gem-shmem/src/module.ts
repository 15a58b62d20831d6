import { ContainerModule } from 'inversify';
import { GemDevice, type GemDeviceOptions } from './device.js';
import { GEM_DEVICE, GEM_DEVICE_OPTIONS } from './tokens.js';

/** Binds one `GemDevice` per container; options come from `GEM_DEVICE_OPTIONS` when bound. */
export const gemShmemModule = new ContainerModule(({ bind }) => {
  bind(GEM_DEVICE)
    .toDynamicValue(
      (ctx) => new GemDevice(ctx.get<GemDeviceOptions>(GEM_DEVICE_OPTIONS, { optional: true }) ?? {}),
    )
    .inSingletonScope();
});
