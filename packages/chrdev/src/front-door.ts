import { unlinkSync } from 'node:fs';
import { check, KernelError } from '@fbemu/gem-shmem';
import { inject, injectable } from 'inversify';
import { type Observable, type SchedulerLike, Subject } from 'rxjs';
import { ClientProcess, type ProcessContext } from './client-process.js';
import { loadNative, type NativeAddon, nativeMissing, PRELOAD_LIBRARY } from './native.js';
import { MODE_NAMES, Mode } from './protocol.js';
import {
  CHRDEV_REGISTRY,
  type ChrdevRegistryApi,
  type FrontDoorApi,
  type FrontDoorOptions,
  type ProcessInfo,
  SCHEDULER,
  type TrackingMode,
} from './tokens.js';

const MODES: Record<TrackingMode, number> = { async: Mode.ASYNC, sync: Mode.SYNC, mprotect: Mode.MPROTECT };

/**
 * The server real programs reach through the preload library: it listens on a unix socket,
 * accepts one connection per process and hands each to a ClientProcess.
 */
@injectable()
export class FrontDoor implements FrontDoorApi {
  private readonly clients = new Set<ClientProcess>();
  private readonly exits = new Subject<ProcessInfo>();
  readonly exits$: Observable<ProcessInfo> = this.exits.asObservable();
  private native: NativeAddon | undefined;
  private listenFd = -1;
  private listenWatch: unknown;
  private options: FrontDoorOptions | undefined;
  private context: ProcessContext | undefined;

  constructor(
    @inject(CHRDEV_REGISTRY) private readonly registry: ChrdevRegistryApi,
    @inject(SCHEDULER) private readonly scheduler: SchedulerLike,
  ) {}

  get processes(): number {
    return this.clients.size;
  }

  get pids(): number[] {
    return [...this.clients].map((c) => c.info.pid);
  }

  start(options: FrontDoorOptions): void {
    check(this.listenFd < 0, 'EBUSY', 'the front door is open');
    const missing = nativeMissing();
    if (missing !== undefined) throw new KernelError('ENODEV', `real programs cannot be served: ${missing}`);
    const native = loadNative() as NativeAddon;
    const tracking = options.tracking ?? 'async';
    check(tracking in MODES, 'EINVAL', `unknown tracking mode ${tracking}`);
    const pollMinMs = options.pollMinMs ?? 1;
    const pollMaxMs = options.pollMaxMs ?? 16;
    check(pollMinMs > 0 && pollMaxMs >= pollMinMs, 'EINVAL', 'bad poll periods');
    const fd = native.listen(options.socketPath);
    if (fd < 0) throw new KernelError('EINVAL', `cannot listen on ${options.socketPath}: errno ${-fd}`);
    const log = options.log ?? (() => {});
    this.native = native;
    this.options = options;
    this.listenFd = fd;
    this.context = {
      native,
      registry: this.registry,
      scheduler: this.scheduler,
      wantedMode: MODES[tracking],
      pollMinMs,
      pollMaxMs,
      log,
      gone: (client) => {
        this.clients.delete(client);
        this.exits.next(client.info);
      },
    };
    this.listenWatch = native.watch(fd, this.accept);
    log(`chrdev: front door on ${options.socketPath}, store tracking ${MODE_NAMES[MODES[tracking]]}`);
  }

  env(): Record<string, string> {
    check(this.options !== undefined, 'EINVAL', 'the front door is not open');
    const devices = this.registry.devices.map((d) => `${d.path}=${d.major}:${d.minor}`).join(';');
    return {
      LD_PRELOAD: PRELOAD_LIBRARY,
      FBEMU_SOCKET: this.options.socketPath,
      FBEMU_DEVICES: devices,
      FBEMU_TRACKING: this.options.tracking ?? 'async',
    };
  }

  close(): void {
    if (this.listenFd < 0 || this.native === undefined) return;
    this.native.unwatch(this.listenWatch);
    this.native.close(this.listenFd);
    this.listenFd = -1;
    for (const client of [...this.clients]) client.close();
    try {
      unlinkSync((this.options as FrontDoorOptions).socketPath);
    } catch {
      // already gone
    }
  }

  private readonly accept = (): void => {
    const native = this.native as NativeAddon;
    for (;;) {
      const conn = native.accept(this.listenFd);
      if (typeof conn === 'number') return;
      this.clients.add(new ClientProcess(this.context as ProcessContext, conn.fd, conn.pid));
    }
  };
}
