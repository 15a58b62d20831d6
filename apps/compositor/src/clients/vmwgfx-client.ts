import { FbSurface, XRGB8888 } from '@fbemu/drm-fb-helper';
import type { FbDeferredIoFactory } from '@fbemu/fbdev-defio';
import { SvgaFifoWriter, SvgaHost, VmwFb } from '@fbemu/vmwgfx';
import { map } from 'rxjs';
import type { ClientFactory } from '../app/tokens.js';
import { Plane } from '../compose/plane.js';
import type { ClientConfig } from '../config/scene-config.js';
import { WorkerFbClient } from './worker-fb-client.js';

/**
 * A VMware SVGA guest: a worker draws through the vmw fbdev's /dev/fb mapping; the vmw dirty path
 * copies shadow → scanout and sends SVGA_CMD_UPDATE through the FIFO; the plane shows the SVGA
 * host's surface and its damage is the host's `updates$`, what a VM console viewer would see.
 */
export class VmwgfxClient extends WorkerFbClient {
  constructor(
    config: ClientConfig,
    private readonly fb: VmwFb,
    host: SvgaHost,
  ) {
    const s = host.surface;
    const plane = new Plane(
      config.name,
      new FbSurface(s.bytes, s.width, s.height, s.pitch, XRGB8888),
      config.x,
      config.y,
      config.z,
    );
    super(config, fb.defio, plane, host.updates$.pipe(map((r) => [r])), {
      program: 'stripes',
      layout: { width: config.width, height: config.height, pitch: fb.shadow.pitch, format: 'XRGB8888' },
    });
  }

  protected teardown(): void {
    this.fb.close();
  }
}

/** Factory for `vmwgfx` clients: one SVGA device (host, FIFO, vmw fbdev) per client, sized to it. */
export function vmwgfxClientFactory(defioFactory: FbDeferredIoFactory): ClientFactory {
  return {
    kind: 'vmwgfx',
    create(config, env) {
      const { width, height } = config;
      const vramBytes = Math.max(1 << 20, Math.ceil((width * height * 4) / 4096) * 4096);
      const host = new SvgaHost({ width, height, maxWidth: width, maxHeight: height, vramBytes });
      const fifo = new SvgaFifoWriter(host, host.memory, env.scheduler);
      const fb = new VmwFb(host, host.memory, fifo, defioFactory, env.scheduler, {
        width,
        height,
        delay: env.scene.delayMs,
      });
      return new VmwgfxClient(config, fb, host);
    },
  };
}
