import { ContainerModule } from 'inversify';
import { SvgaFifoWriter } from './fifo-writer.js';
import { SvgaHost } from './svga-host.js';
import { SVGA_FIFO, SVGA_HOST, SVGA_MEMORY, SVGA_PORT, type SvgaHostApi, VMW_FB } from './tokens.js';
import { VmwFb } from './vmw-fb.js';

/**
 * Binds the SVGA host model, points the guest's port and memory at it, and binds the guest side
 * (FIFO writer, vmw fbdev). The composition root provides SCHEDULER and fbdevDefioModule's factory;
 * to drive another device, rebind SVGA_PORT and SVGA_MEMORY.
 */
export const vmwgfxModule = new ContainerModule(({ bind }) => {
  bind(SVGA_HOST).to(SvgaHost).inSingletonScope();
  bind(SVGA_PORT).toService(SVGA_HOST);
  bind(SVGA_MEMORY)
    .toDynamicValue((ctx) => ctx.get<SvgaHostApi>(SVGA_HOST).memory)
    .inSingletonScope();
  bind(SVGA_FIFO).to(SvgaFifoWriter).inSingletonScope();
  bind(VMW_FB).to(VmwFb).inSingletonScope();
});
