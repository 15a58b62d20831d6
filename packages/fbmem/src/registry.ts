import type { CharDevice } from '@fbemu/chrdev';
import { check } from '@fbemu/gem-shmem';
import { injectable } from 'inversify';
import type { FbmemDevice } from './fb-device.js';
import { type Con2FbMapper, FbFileOperations } from './fb-fops.js';
import { type Con2FbMap, FB_MAJOR, FB_MAX, MAX_NR_CONSOLES } from './uapi.js';

/**
 * `registered_fb[]` + fbcon's `con2fb_map`: the framebuffers with their minors, and which
 * framebuffer each console would draw on (fbcon maps every console to the first framebuffer).
 */
@injectable()
export class FbRegistry implements Con2FbMapper {
  private readonly devices: (FbmemDevice | undefined)[] = new Array(FB_MAX).fill(undefined);
  private readonly consoles = new Int32Array(MAX_NR_CONSOLES);

  /** register_framebuffer: the lowest free minor; ENXIO when all FB_MAX are taken. */
  register(device: FbmemDevice): CharDevice {
    check(!this.devices.includes(device), 'EBUSY', 'framebuffer already registered');
    const minor = this.devices.indexOf(undefined);
    check(minor >= 0, 'ENXIO', `all ${FB_MAX} framebuffer minors are in use`);
    this.devices[minor] = device;
    return { path: `/dev/fb${minor}`, major: FB_MAJOR, minor, fops: new FbFileOperations(device, this) };
  }

  /** unregister_framebuffer: flushes and destroys the device; its open files answer ENODEV. */
  unregister(minor: number): void {
    const device = this.devices[minor];
    check(device !== undefined, 'ENODEV', `no framebuffer ${minor}`);
    this.devices[minor] = undefined;
    device.destroy();
  }

  device(minor: number): FbmemDevice | undefined {
    return Number.isInteger(minor) ? this.devices[minor] : undefined;
  }

  /** FBIOGET_CON2FBMAP: consoles 1..63, else EINVAL. */
  get(console: number): number {
    checkConsole(console);
    return this.consoles[console - 1];
  }

  /** FBIOPUT_CON2FBMAP: a registered framebuffer below FB_MAX, else EINVAL. */
  set(map: Con2FbMap): void {
    checkConsole(map.console);
    check(map.framebuffer < FB_MAX, 'EINVAL', `framebuffer ${map.framebuffer} ≥ FB_MAX`);
    check(this.devices[map.framebuffer] !== undefined, 'EINVAL', `no framebuffer ${map.framebuffer}`);
    this.consoles[map.console - 1] = map.framebuffer;
  }
}

function checkConsole(console: number): void {
  check(console >= 1 && console <= MAX_NR_CONSOLES, 'EINVAL', `console ${console}`);
}
