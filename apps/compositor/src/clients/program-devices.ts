import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChrdevRegistry, FrontDoor, type SharedMemoryAllocator } from '@fbemu/chrdev';
import type { FbDeferredIoFactory } from '@fbemu/fbdev-defio';
import { FakeVt, type FbmemDevice, FbmemFactory, FbRegistry } from '@fbemu/fbmem';
import type { SchedulerLike } from 'rxjs';
import type { ClientConfig, ProgramSpec } from '../config/scene-config.js';

/** The consoles a program may open (fbi -T N, fim, SDL 1.2 take tty0…tty7); the registry holds 16 nodes. */
const CONSOLES = 8;

/** What every program's devices are built from (the app's container supplies them). */
export interface ProgramDeviceDeps {
  readonly allocate: SharedMemoryAllocator;
  readonly defioFactory: FbDeferredIoFactory;
  readonly scheduler: SchedulerLike;
  readonly delayMs: number;
}

/**
 * One program's own device world: a /dev/fb0 of its mode, /dev/tty0…7 of a fake VT, and a front
 * door (its own socket) serving just these nodes. A program reaches them through `env()`; so can
 * any other program started with that environment (it then shares the framebuffer).
 */
export class ProgramDevices {
  readonly device: FbmemDevice;
  readonly door: FrontDoor;
  private readonly socketDir: string;

  constructor(config: ClientConfig, spec: ProgramSpec, deps: ProgramDeviceDeps, log: (line: string) => void) {
    const fb = new FbmemFactory(deps.allocate, deps.defioFactory, deps.scheduler, new FbRegistry());
    const { device, chrdev } = fb.create({
      width: config.width,
      height: config.height,
      bpp: spec.bpp,
      virtualHeight: spec.virtualHeight,
      delay: deps.delayMs,
    });
    this.device = device;
    const registry = new ChrdevRegistry();
    registry.register(chrdev);
    for (const tty of new FakeVt().devices().slice(0, CONSOLES)) registry.register(tty);
    this.door = new FrontDoor(registry, deps.scheduler);
    this.socketDir = mkdtempSync(join(tmpdir(), 'fbemu-program-'));
    try {
      this.door.start({ socketPath: join(this.socketDir, 'door.sock'), tracking: spec.tracking, log });
    } catch (e) {
      this.close();
      throw e;
    }
  }

  /** LD_PRELOAD, FBEMU_SOCKET, FBEMU_DEVICES, FBEMU_TRACKING for a program on these devices. */
  env(): Record<string, string> {
    return this.door.env();
  }

  /** Lets every connected process go (files released: the last close flushes), then removes the framebuffer. */
  close(): void {
    this.door.close();
    this.device.destroy();
    rmSync(this.socketDir, { recursive: true, force: true });
  }
}
