import { ContainerModule } from 'inversify';
import type { SchedulerLike } from 'rxjs';
import { FbDeferredIo } from './fb-deferred-io.js';
import { FB_DEFERRED_IO_FACTORY, type FbDeferredIoFactory, SCHEDULER } from './tokens.js';

/** Binds the FbDeferredIo factory; the composition root binds SCHEDULER. */
export const fbdevDefioModule = new ContainerModule(({ bind }) => {
  bind<FbDeferredIoFactory>(FB_DEFERRED_IO_FACTORY).toFactory(
    (context) => (info, config) =>
      new FbDeferredIo(info, config ?? {}, context.get<SchedulerLike>(SCHEDULER)),
  );
});
