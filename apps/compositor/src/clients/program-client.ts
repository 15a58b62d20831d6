import { basename } from 'node:path';
import { loadNative } from '@fbemu/chrdev';
import type { FbDeferredIoApi } from '@fbemu/fbdev-defio';
import type { FbScanout } from '@fbemu/fbmem';
import { filter, firstValueFrom, map, merge, type Observable, type Subscription, skip } from 'rxjs';
import type {
  ClientDamage,
  ClientEnv,
  ClientFactory,
  ClientLog,
  ClientStats,
  SceneClient,
} from '../app/tokens.js';
import { Plane } from '../compose/plane.js';
import type { ClientConfig, ProgramSpec } from '../config/scene-config.js';
import type { InputRouter, PlaneInputSink } from '../input/input-router.js';
import { mountDrmScanoutWhileLit } from './drm-scanout.js';
import { type ProgramDeviceDeps, ProgramDevices } from './program-devices.js';
import { KILL_AFTER_MS, type ProgramExit, ProgramProcess } from './program-process.js';
import { openProgramTerminal, type ProgramTerminal } from './program-terminal.js';
import { scanoutSurface } from './scanout-surface.js';
import { WritebackDamage } from './writeback-damage.js';

/** What a program client is built from: its devices' parts, and the router that gives it input. */
export interface ProgramClientDeps extends ProgramDeviceDeps {
  /** viewers' keys and pointer reach the program while its plane has their focus */
  readonly input?: Pick<InputRouter, 'attach' | 'detach'>;
}

/**
 * A real Linux program as a client: it runs with its own /dev/fb0 (+ a fake VT, + /dev/dri/card0
 * when asked) behind its own front door, and the plane shows what the CRTC would: the mode-sized
 * rect at the pan offset, black while blanked; a lit DRM CRTC's picture covers it. With
 * `drm: 'shared'` /dev/fb0 is the card's fbdev emulation and the plane is the CRTC's, whoever
 * drives it; `alsoRun` programs start with it on the same devices. Its damage is drm-fb-helper's
 * (writebacks of its stores, write(2), pans), or the CRTC's when shared.
 * When the program exits the plane keeps its last frame; `stop` ends a running one.
 */
export class ProgramClient implements SceneClient {
  readonly plane: Plane;
  readonly damage$: Observable<ClientDamage>;
  readonly stats: ClientStats;
  readonly fbdev: FbDeferredIoApi;
  readonly devices: ProgramDevices;
  private readonly writebacks: WritebackDamage;
  private readonly spec: ProgramSpec;
  private process: ProgramProcess | undefined;
  /** `alsoRun`: more programs on the same devices (stdin an empty pipe: the terminal is the first's) */
  private companions: ProgramProcess[] = [];
  private terminal: ProgramTerminal | undefined;
  private readonly input: ProgramClientDeps['input'];
  /** the planes that show the program: its /dev/fb0 and, with --drm, its CRTC (one plane when shared) */
  private readonly planeIds: string[];
  private black: Uint8Array | undefined;
  private released: Promise<unknown> | undefined;
  /** the /dev/dri/card0 plane, on the compositor while the program's CRTC is lit */
  private readonly drmMount: Subscription | undefined;

  constructor(
    readonly config: ClientConfig,
    deps: ProgramClientDeps,
    private readonly log: ClientLog,
  ) {
    this.spec = config.program as ProgramSpec;
    this.devices = new ProgramDevices(config, this.spec, deps, (line) =>
      log.info(line, { program: config.name }),
    );
    const { device, drm } = this.devices;
    this.fbdev = device.helper.defio;
    if (drm && this.spec.drm === 'shared') {
      // /dev/fb0 is the card's fbdev emulation: the CRTC's plane shows it (or a KMS program's buffer)
      this.plane = drm.source.plane;
      this.writebacks = new WritebackDamage(this.fbdev, drm.source.damage$.pipe(map((d) => d.rects)));
      this.damage$ = this.writebacks.damage$;
      this.planeIds = [this.plane.id];
    } else {
      this.plane = new Plane(config.name, this.surfaceOf(device.scanout), config.x, config.y, config.z);
      // a pan or blank changes what is scanned out: the whole plane is damage
      const full = this.plane.surface.bounds;
      const rescan$ = device.scanout$.pipe(
        skip(1),
        map((s) => {
          this.plane.surface = this.surfaceOf(s);
          this.devices.input.pointer.resize(s.width, s.height);
          return [full];
        }),
      );
      this.writebacks = new WritebackDamage(this.fbdev, device.damage$.pipe(map((d) => d.clips)));
      this.damage$ = merge(this.writebacks.damage$, rescan$.pipe(map((rects) => ({ rects }))));
      if (drm && deps.compositor)
        this.drmMount = mountDrmScanoutWhileLit(
          deps.compositor,
          drm.source,
          () => drm.card.scanout.current() !== undefined,
        );
      this.planeIds = drm ? [config.name, drm.source.plane.id] : [config.name];
    }
    this.stats = this.writebacks.stats;
    this.input = deps.input;
    const sink = this.inputSink();
    for (const id of this.planeIds) this.input?.attach(id, sink);
  }

  /**
   * A viewer's keys as console bytes on the program's terminal (programs reading stdin: mplayer,
   * shells) and on its foreground VT (programs reading their VT: fbi, fim), and as evdev events.
   */
  private inputSink(): PlaneInputSink {
    return {
      pty: (bytes) => {
        this.terminal?.write(bytes);
        this.devices.vt.queueInput(bytes);
      },
      keyboard: this.devices.input.keyboard,
      pointer: this.devices.input.pointer,
    };
  }

  /** The program's exit, once it was started (`undefined` before). */
  get exited(): Promise<ProgramExit> | undefined {
    return this.process?.exited;
  }

  /** Resolves when the program has exited and the front door has released its files (flushed). */
  get finished(): Promise<unknown> | undefined {
    return this.released;
  }

  async start(): Promise<void> {
    const { door } = this.devices;
    const native = loadNative();
    const { name } = this.config;
    this.terminal = native
      ? openProgramTerminal(
          native,
          (line) => this.log.info(line, { program: name, stream: 'tty' }),
          (message) => this.log.warn(message, { program: name }),
        )
      : undefined;
    const env = { TERM: 'linux', ...this.spec.env, ...this.devices.env() };
    this.process = new ProgramProcess(name, this.spec.argv, env, this.log, this.terminal);
    this.companions = this.spec.alsoRun.map((argv) => new ProgramProcess(name, argv, env, this.log));
    const all = Promise.all([this.process, ...this.companions].map((p) => p.exited));
    // then every process still on the door gone (children it forked that opened the devices)
    this.released = all.then(() =>
      door.processes === 0 ? undefined : firstValueFrom(door.exits$.pipe(filter(() => door.processes === 0))),
    );
  }

  get pid(): number | undefined {
    return this.process?.pid;
  }

  /**
   * Ends the program and every process still on its devices (fbi forks a child into its own
   * session): SIGTERM, SIGKILL after KILL_AFTER_MS. Then its files are released (the last
   * flush) and its devices closed.
   */
  async stop(): Promise<void> {
    const { door } = this.devices;
    const own = new Set([this.process, ...this.companions].map((p) => p?.pid));
    const others = () => door.pids.filter((pid) => !own.has(pid));
    const terminated = Promise.all([this.process, ...this.companions].map((p) => p?.terminate()));
    const rest = others();
    if (rest.length > 0)
      this.log.info('ending the processes still on its devices', {
        program: this.config.name,
        pids: rest.join(','),
      });
    signal(rest, 'SIGTERM');
    const kill = setTimeout(() => signal(others(), 'SIGKILL'), KILL_AFTER_MS);
    try {
      await terminated;
      await this.released;
    } finally {
      clearTimeout(kill);
    }
    for (const id of this.planeIds) this.input?.detach(id);
    this.terminal?.close();
    this.drmMount?.unsubscribe();
    this.devices.close();
    this.writebacks.close();
  }

  private surfaceOf(s: FbScanout) {
    return scanoutSurface(s, () => {
      this.black ??= new Uint8Array(s.pitch * s.height);
      return this.black;
    });
  }
}

/** Programs name themselves by their command unless the config names them. */
export function programName(argv: readonly string[]): string {
  return basename(argv[0] ?? 'program');
}

/** Factory for `program` clients. */
export function programClientFactory(deps: Omit<ProgramClientDeps, 'delayMs'>): ClientFactory {
  return {
    kind: 'program',
    create: (config: ClientConfig, env: ClientEnv) =>
      new ProgramClient(config, { ...deps, delayMs: env.scene.delayMs }, env.log),
  };
}

function signal(pids: readonly number[], sig: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  }
}
