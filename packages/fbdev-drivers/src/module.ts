import { SCHEDULER } from '@fbemu/fbdev-defio';
import { ContainerModule } from 'inversify';
import type { SchedulerLike } from 'rxjs';
import { DmaDriver } from './dma.js';
import { EinkDriver } from './eink.js';
import { FbtftDriver } from './fbtft.js';
import { PvDriver } from './pv.js';
import {
  DMA_DRIVER_FACTORY,
  type DmaDriverFactory,
  EINK_DRIVER_FACTORY,
  type EinkDriverFactory,
  FBTFT_DRIVER_FACTORY,
  type FbtftDriverFactory,
  PV_DRIVER_FACTORY,
  type PvDriverFactory,
  UDL_DRIVER_FACTORY,
  type UdlDriverFactory,
} from './tokens.js';
import { UdlDriver } from './udl.js';

/** Binds one driver factory per family; the composition root binds SCHEDULER. */
export const fbdevDriversModule = new ContainerModule(({ bind }) => {
  const scheduler = (c: { get<T>(id: symbol): T }) => c.get<SchedulerLike>(SCHEDULER);
  bind<FbtftDriverFactory>(FBTFT_DRIVER_FACTORY).toFactory(
    (c) => (fb, transport, options) => new FbtftDriver(fb, transport, scheduler(c), options),
  );
  bind<EinkDriverFactory>(EINK_DRIVER_FACTORY).toFactory(
    (c) => (fb, transport, options) => new EinkDriver(fb, transport, scheduler(c), options),
  );
  bind<UdlDriverFactory>(UDL_DRIVER_FACTORY).toFactory(
    (c) => (fb, transport, options) => new UdlDriver(fb, transport, scheduler(c), options),
  );
  bind<PvDriverFactory>(PV_DRIVER_FACTORY).toFactory(
    (c) => (fb, options) => new PvDriver(fb, scheduler(c), options),
  );
  bind<DmaDriverFactory>(DMA_DRIVER_FACTORY).toFactory(
    (c) => (fb, options) => new DmaDriver(fb, scheduler(c), options),
  );
});
