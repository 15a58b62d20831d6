import { ContainerModule } from 'inversify';

/** Binds this package's services. */
export const drmFbHelperModule = new ContainerModule(() => {});
