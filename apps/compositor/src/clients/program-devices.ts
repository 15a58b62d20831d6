import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChrdevRegistry, FrontDoor, type SharedMemoryAllocator } from '@fbemu/chrdev';
import type { FbDeferredIoFactory } from '@fbemu/fbdev-defio';
import {
  FakeVt,
  type FbmemDevice,
  FbmemFactory,
  type FbmemNode,
  FbRegistry,
  fbmemBackendOf,
} from '@fbemu/fbmem';
import { check } from '@fbemu/gem-shmem';
import type { SchedulerLike } from 'rxjs';
import type { Compositor } from '../compose/compositor.js';
import type { ClientConfig, ProgramSpec } from '../config/scene-config.js';
import { createDrmNode, type DrmNode } from './drm-node.js';
import { ProgramInputDevices } from './program-input.js';

/**
 * The consoles a program may open (fbi -T N, fim, SDL 1.2 take tty0…tty7); the registry holds 16
 * nodes: fb0 + 8 ttys + card0 + 2 input devices.
 */
const CONSOLES = 8;

/** What every program's devices are built from (the app's container supplies them). */
export interface ProgramDeviceDeps {
  readonly allocate: SharedMemoryAllocator;
  readonly defioFactory: FbDeferredIoFactory;
  readonly scheduler: SchedulerLike;
  readonly delayMs: number;
  /** where a program's /dev/dri/card0 shows its CRTC (needed when the program asks for DRM) */
  readonly compositor?: Compositor;
}

/**
 * One program's own device world: a /dev/fb0 of its mode, /dev/tty0…7 of a fake VT, with `drm`
 * a /dev/dri/card0 whose only mode is the same size (`drm: 'shared'`: /dev/fb0 is that card's fbdev
 * emulation, one GEM buffer, as with `drm_fbdev_shmem`), and a front door (its own socket) serving
 * just these nodes. A program reaches them through `env()`; so can
 * any other program started with that environment (it then shares the framebuffer).
 */
export class ProgramDevices {
  readonly device: FbmemDevice;
  readonly door: FrontDoor;
  /** the program's /dev/dri/card0 and the plane source of its CRTC (`spec.drm` only) */
  readonly drm: DrmNode | undefined;
  /** its virtual terminals: a viewer's keys are queued on the foreground one (fbi, fim read it) */
  readonly vt = new FakeVt();
  /** /dev/input/event0 (keyboard) and event1 (tablet over the framebuffer) */
  readonly input: ProgramInputDevices;
  private readonly socketDir: string;

  constructor(config: ClientConfig, spec: ProgramSpec, deps: ProgramDeviceDeps, log: (line: string) => void) {
    this.drm = spec.drm ? this.createDrm(config, spec, deps) : undefined;
    const { device, chrdev } = this.createFramebuffer(config, spec, deps);
    this.device = device;
    const registry = new ChrdevRegistry();
    registry.register(chrdev);
    for (const tty of this.vt.devices().slice(0, CONSOLES)) registry.register(tty);
    for (const card of this.drm?.devices ?? []) registry.register(card);
    this.input = new ProgramInputDevices(registry, config.width, config.height);
    this.door = new FrontDoor(registry, deps.scheduler);
    this.socketDir = mkdtempSync(join(tmpdir(), 'fbemu-program-'));
    try {
      this.door.start({ socketPath: join(this.socketDir, 'door.sock'), tracking: spec.tracking, log });
    } catch (e) {
      this.close();
      throw e;
    }
  }

  /** /dev/fb0: its own framebuffer, or (`drm: 'shared'`) the card's fbdev emulation. */
  private createFramebuffer(config: ClientConfig, spec: ProgramSpec, deps: ProgramDeviceDeps): FbmemNode {
    const fb = new FbmemFactory(deps.allocate, deps.defioFactory, deps.scheduler, new FbRegistry());
    const emulation = this.drm?.fbdev;
    if (emulation) return fb.register(fbmemBackendOf(emulation.helper, emulation.memory, emulation.drm));
    const { width, height } = config;
    return fb.create({
      width,
      height,
      bpp: spec.bpp,
      virtualHeight: spec.virtualHeight,
      delay: deps.delayMs,
    });
  }

  /** The program's card; with `drm: 'shared'` its CRTC plane is the program's plane (named after it). */
  private createDrm(config: ClientConfig, spec: ProgramSpec, deps: ProgramDeviceDeps): DrmNode {
    const { compositor } = deps;
    check(compositor !== undefined, 'EINVAL', `${config.name}: a DRM program needs the compositor`);
    const { name, x, y, z, width, height } = config;
    const shared = spec.drm === 'shared';
    const fbdev = { width, height, bpp: spec.bpp, virtualHeight: spec.virtualHeight, delay: deps.delayMs };
    return createDrmNode(
      { scheduler: deps.scheduler, compositor, allocator: deps.allocate },
      { id: shared ? name : `${name}:drm`, x, y, z, width, height },
      shared ? fbdev : undefined,
    );
  }

  /** LD_PRELOAD, FBEMU_SOCKET, FBEMU_DEVICES, FBEMU_TRACKING, FBEMU_KEYBOARD/POINTER for a program on these devices. */
  env(): Record<string, string> {
    return { ...this.door.env(), ...this.input.env() };
  }

  /** Lets every connected process go (files released: the last close flushes), then removes the framebuffer. */
  close(): void {
    this.door.close();
    this.input.close();
    this.drm?.close();
    this.device.destroy();
    rmSync(this.socketDir, { recursive: true, force: true });
  }
}
