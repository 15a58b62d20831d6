import { ContainerModule } from 'inversify';
import { SvgaHost } from './svga-host.js';
import { SVGA_HOST, SVGA_MEMORY, SVGA_PORT, type SvgaHostApi } from './tokens.js';

/** Binds the SVGA host model and points the guest's port and memory at it. */
export const vmwgfxModule = new ContainerModule(({ bind }) => {
  bind(SVGA_HOST).to(SvgaHost).inSingletonScope();
  bind(SVGA_PORT).toService(SVGA_HOST);
  bind(SVGA_MEMORY)
    .toDynamicValue((ctx) => ctx.get<SvgaHostApi>(SVGA_HOST).memory)
    .inSingletonScope();
});
