import { ContainerModule } from 'inversify';

/** Binds this package's services. Filled in by the package's own issue. */
export const fbdevDriversModule = new ContainerModule(() => {});
