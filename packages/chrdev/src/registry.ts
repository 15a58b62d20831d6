import { check } from '@fbemu/gem-shmem';
import { injectable } from 'inversify';
import type { CharDevice, ChrdevRegistryApi } from './tokens.js';

/** The device nodes programs can open (register_chrdev + mknod, in one). */
@injectable()
export class ChrdevRegistry implements ChrdevRegistryApi {
  private readonly byPath = new Map<string, CharDevice>();

  get devices(): readonly CharDevice[] {
    return [...this.byPath.values()];
  }

  register(device: CharDevice): void {
    check(typeof device === 'object' && device !== null, 'EINVAL', 'device missing');
    const { path, major, minor, fops } = device;
    // the path travels in FBEMU_DEVICES ("path=major:minor;…") and must match what programs pass
    const pathOk = typeof path === 'string' && /^\/[^;=\0]{1,254}$/.test(path);
    check(pathOk, 'EINVAL', `bad device path ${String(path)}`);
    check(
      isDevNumber(major, 4095) && isDevNumber(minor, 1048575),
      'EINVAL',
      `bad device number ${major}:${minor}`,
    );
    check(typeof fops === 'object' && fops !== null, 'EINVAL', 'file operations missing');
    check(!this.byPath.has(path), 'EBUSY', `${path} is registered`);
    const taken = this.devices.some((d) => d.major === major && d.minor === minor);
    check(!taken, 'EBUSY', `device ${major}:${minor} is registered`);
    check(this.byPath.size < 16, 'ENOSPC', 'at most 16 device nodes');
    this.byPath.set(path, Object.freeze({ path, major, minor, fops }));
  }

  unregister(path: string): void {
    this.byPath.delete(path);
  }

  lookup(path: string): CharDevice | undefined {
    return this.byPath.get(path);
  }
}

function isDevNumber(n: unknown, max: number): boolean {
  return Number.isSafeInteger(n) && (n as number) >= 0 && (n as number) <= max;
}
