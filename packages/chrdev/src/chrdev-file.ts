import { KernelError } from '@fbemu/gem-shmem';
import type { NativeAddon } from './native.js';
import type { CharDevice, ChrdevFile, FilePos, ProcessInfo } from './tokens.js';

/**
 * struct file for one open of a device node by a process. `socket` is the server's end of the
 * socket pair whose other end is the program's descriptor: queued records travel on it.
 */
export class OpenChrdevFile implements ChrdevFile {
  readonly fpos: FilePos = { pos: 0 };
  privateData: unknown;
  /** descriptors (open + dups) and mappings that hold this file */
  refs = 1;

  constructor(
    readonly id: number,
    readonly device: CharDevice,
    readonly flags: number,
    readonly process: ProcessInfo,
    private readonly native: NativeAddon,
    readonly socket: number,
  ) {}

  get minor(): number {
    return this.device.minor;
  }

  queueRead(bytes: Uint8Array): void {
    if (!(bytes instanceof Uint8Array) || bytes.length === 0 || bytes.length > 65536)
      throw new KernelError('EINVAL', 'a queued record is 1 to 65536 bytes');
    const n = this.native.send(this.socket, bytes, bytes.length, -1);
    // the reader went away (its descriptor is closed) or is 1 MiB behind: the record is dropped
    if (n < 0 && n !== -32 /* EPIPE */) throw new KernelError('ENOSPC', `read queue full (errno ${-n})`);
  }
}
