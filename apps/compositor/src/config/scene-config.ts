/**
 * The compositor's scene: the output, the clients (each a framebuffer mounted as a plane) and
 * the outputs. `--config FILE` reads this as JSON; `parseSceneConfig` validates it and names the
 * exact path of anything wrong, so a typo never turns into a silent default.
 */
import { kernelOffsetWindow, PageGeometry } from '@fbemu/gem-shmem';
import { isLoopbackHost } from '../output/loopback.js';

export type ClientKind = 'shmem' | 'shadow' | 'vmwgfx' | 'program';
export const CLIENT_KINDS: readonly ClientKind[] = ['shmem', 'shadow', 'vmwgfx', 'program'];
export type TrackingMode = 'async' | 'sync' | 'mprotect';
export const TRACKING_MODES: readonly TrackingMode[] = ['async', 'sync', 'mprotect'];
export type PlaneFormat = 'XRGB8888' | 'ARGB8888' | 'RGB565';
export type DamageMode = 'bbox' | 'region';

/** A real Linux program drawing on its own /dev/fb0 (through the chrdev front door). */
export interface ProgramSpec {
  /** the command: argv[0] is looked up in PATH */
  argv: string[];
  /** added to the compositor's environment */
  env: Record<string, string>;
  /** bits per pixel of /dev/fb0: 32 (XRGB8888) or 16 (RGB565) */
  bpp: 16 | 32;
  /** rows of the buffer (yres_virtual) for panning; default the mode's height */
  virtualHeight: number;
  /** how the program's stores into its mapping are seen (docs/real-programs.md) */
  tracking: TrackingMode;
  /**
   * true: the program also gets /dev/dri/card0; its CRTC's picture covers the /dev/fb0 plane while
   * lit. 'shared': /dev/fb0 is the fbdev emulation of that card (`drm_fbdev_shmem`: one GEM buffer)
   * and the plane shows the CRTC: fbdev output until a KMS program sets its own mode, again after
   * the card's last file closes.
   */
  drm: boolean | 'shared';
  /** more commands started with `argv` on the same devices (a KMS program next to an fbdev one) */
  alsoRun: string[][];
}

export interface ClientConfig {
  name: string;
  /**
   * shmem: fbdev over GEM shmem (no shadow); shadow: generic fbdev with a shadow buffer; vmwgfx:
   * SVGA guest; program: a real program on its own /dev/fb0 (`program` says which)
   */
  kind: ClientKind;
  /** kind `program` only */
  program?: ProgramSpec;
  width: number;
  height: number;
  format: PlaneFormat;
  x: number;
  y: number;
  z: number;
  /** fake mmap offset (bytes, page aligned) to mount the client's GEM object at; absent: chosen */
  offset?: number;
  /** frames per second the demo client draws */
  fps: number;
}

export interface SceneConfig {
  output: { width: number; height: number; background: number };
  /** deferred-I/O delay in ms (the DRM helpers' 50 ms by default) */
  delayMs: number;
  damage: DamageMode;
  pageSize: number;
  clients: ClientConfig[];
  /** `jpeg: false` (the --rfb-lossless flag): Tight sends no JPEG (RfbOptions.jpeg) */
  rfb: { host: string; port: number; jpeg?: boolean };
  http: { host: string; port: number };
  png: { dir: string; intervalMs: number };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid scene config:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type Json = Record<string, unknown>;

/** Collects every problem instead of stopping at the first, so one run shows them all. */
class Reader {
  readonly problems: string[] = [];

  obj(v: unknown, path: string): Json {
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Json;
    if (v !== undefined) this.problems.push(`${path}: expected an object`);
    return {};
  }

  unknownKeys(o: Json, allowed: string[], path: string): void {
    for (const k of Object.keys(o))
      if (!allowed.includes(k))
        this.problems.push(`${path}.${k}: unknown key (allowed: ${allowed.join(', ')})`);
  }

  int(o: Json, key: string, path: string, min: number, max: number, fallback?: number): number {
    const v = o[key] ?? fallback;
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= max) return v;
    this.problems.push(`${path}.${key}: expected an integer in [${min}, ${max}], got ${JSON.stringify(v)}`);
    return min;
  }

  oneOf<T extends string | number | boolean>(
    o: Json,
    key: string,
    path: string,
    values: readonly T[],
    fallback?: T,
  ): T {
    const v = o[key] ?? fallback;
    if (values.includes(v as T)) return v as T;
    this.problems.push(`${path}.${key}: expected one of ${values.join(', ')}, got ${JSON.stringify(v)}`);
    return values[0];
  }

  str(o: Json, key: string, path: string, fallback?: string): string {
    const v = o[key] ?? fallback;
    if (typeof v === 'string' && v.length > 0) return v;
    this.problems.push(`${path}.${key}: expected a non-empty string, got ${JSON.stringify(v)}`);
    return '';
  }

  /**
   * A listen address this machine alone can reach: security None gives whoever connects the screen
   * and the input, so the config cannot open it wider (the servers refuse it too, with EACCES).
   */
  loopbackHost(o: Json, key: string, path: string, fallback: string): string {
    const v = this.str(o, key, path, fallback);
    if (v === '' || isLoopbackHost(v)) return v;
    this.problems.push(
      `${path}.${key}: ${JSON.stringify(v)} is not a loopback address (allowed: 127.0.0.0/8, ::1, localhost; the servers have no authentication)`,
    );
    return fallback;
  }

  /** "#rrggbb" or an integer 0..0xffffff */
  colour(o: Json, key: string, path: string, fallback: number): number {
    const v = o[key] ?? fallback;
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffff) return v;
    if (typeof v === 'string' && /^#[0-9a-fA-F]{6}$/.test(v)) return Number.parseInt(v.slice(1), 16);
    this.problems.push(`${path}.${key}: expected "#rrggbb" or 0..0xffffff, got ${JSON.stringify(v)}`);
    return 0;
  }
}

export const DEFAULT_SCENE: SceneConfig = {
  output: { width: 1280, height: 800, background: 0x1d2733 },
  delayMs: 50,
  damage: 'region',
  pageSize: 4096,
  clients: [
    {
      name: 'plasma',
      kind: 'shmem',
      width: 560,
      height: 360,
      format: 'XRGB8888',
      x: 40,
      y: 40,
      z: 1,
      offset: 0x1_0000_0000,
      fps: 30,
    },
    {
      name: 'console',
      kind: 'shadow',
      width: 640,
      height: 320,
      format: 'RGB565',
      x: 600,
      y: 60,
      z: 2,
      offset: 0x2_0000_0000,
      fps: 2,
    },
    {
      name: 'vm',
      kind: 'vmwgfx',
      width: 480,
      height: 300,
      format: 'XRGB8888',
      x: 260,
      y: 440,
      z: 3,
      fps: 20,
    },
  ],
  rfb: { host: '127.0.0.1', port: 5900 },
  http: { host: '127.0.0.1', port: 6080 },
  png: { dir: 'out', intervalMs: 5000 },
};

const DEMO_KEYS = ['name', 'kind', 'width', 'height', 'format', 'x', 'y', 'z', 'offset', 'fps'];
const PROGRAM_KEYS = [
  'name',
  'kind',
  'argv',
  'env',
  'width',
  'height',
  'bpp',
  'virtualHeight',
  'x',
  'y',
  'z',
  'tracking',
  'drm',
  'alsoRun',
];
/** a program's framebuffer mode when the config gives none */
export const DEFAULT_PROGRAM_MODE = { width: 640, height: 480, bpp: 32 } as const;

function parseProgram(r: Reader, o: Json, path: string, height: number): ProgramSpec {
  const argv = o.argv;
  const argvOk = isCommand(argv);
  if (!argvOk)
    r.problems.push(
      `${path}.argv: expected a non-empty array of strings (the command and its arguments), got ${JSON.stringify(argv)}`,
    );
  const env = r.obj(o.env, `${path}.env`);
  for (const [k, v] of Object.entries(env))
    if (typeof v !== 'string' || k === '' || k.includes('='))
      r.problems.push(`${path}.env.${k}: expected a string value and a name without "="`);
  return {
    argv: argvOk ? [...(argv as string[])] : [],
    env: env as Record<string, string>,
    bpp: r.oneOf(o, 'bpp', path, [32, 16] as const, DEFAULT_PROGRAM_MODE.bpp),
    virtualHeight: r.int(o, 'virtualHeight', path, height, 16384, height),
    tracking: r.oneOf(o, 'tracking', path, TRACKING_MODES, 'async'),
    drm: r.oneOf(o, 'drm', path, [false, true, 'shared'] as const, false),
    alsoRun: parseAlsoRun(r, o.alsoRun, `${path}.alsoRun`),
  };
}

function isCommand(argv: unknown): argv is string[] {
  return Array.isArray(argv) && argv.length > 0 && argv.every((a) => typeof a === 'string') && argv[0] !== '';
}

function parseAlsoRun(r: Reader, v: unknown, path: string): string[][] {
  if (v === undefined) return [];
  if (Array.isArray(v) && v.every(isCommand)) return v.map((argv) => [...argv]);
  r.problems.push(
    `${path}: expected an array of commands (each a non-empty array of strings), got ${JSON.stringify(v)}`,
  );
  return [];
}

/** A mount offset must be page aligned and inside the fake-offset window (the 64-bit kernel's). */
function checkOffset(r: Reader, offset: number, pageSize: number, path: string): void {
  const window = kernelOffsetWindow(new PageGeometry(pageSize));
  const [first, end] = [window.startPage * pageSize, (window.startPage + window.pages) * pageSize];
  const at = `${path}.offset: ${offset}`;
  if (offset % pageSize !== 0)
    r.problems.push(`${at} is not a multiple of pageSize (${pageSize}); mounts are page aligned`);
  else if (offset < first || offset >= end)
    r.problems.push(`${at} is outside the fake-offset window [${first}, ${end}) (the 64-bit kernel's)`);
}

function parseClient(r: Reader, v: unknown, path: string, pageSize: number): ClientConfig {
  const o = r.obj(v, path);
  const kind = r.oneOf(o, 'kind', path, CLIENT_KINDS);
  const program = kind === 'program';
  r.unknownKeys(o, program ? PROGRAM_KEYS : DEMO_KEYS, path);
  // fb_set_var refuses a mode below 8×8
  const min = program ? 8 : 1;
  const height = r.int(o, 'height', path, min, 4096, program ? DEFAULT_PROGRAM_MODE.height : undefined);
  const spec = program ? parseProgram(r, o, path, height) : undefined;
  const c: ClientConfig = {
    name: r.str(o, 'name', path),
    kind,
    width: r.int(o, 'width', path, min, 4096, program ? DEFAULT_PROGRAM_MODE.width : undefined),
    height,
    format: spec
      ? spec.bpp === 16
        ? 'RGB565'
        : 'XRGB8888'
      : r.oneOf(o, 'format', path, ['XRGB8888', 'ARGB8888', 'RGB565'] as const, 'XRGB8888'),
    x: r.int(o, 'x', path, -16384, 16384, 0),
    y: r.int(o, 'y', path, -16384, 16384, 0),
    z: r.int(o, 'z', path, -1000, 1000, 0),
    fps: r.int(o, 'fps', path, 1, 240, 30),
  };
  if (spec) c.program = spec;
  if (o.offset !== undefined) {
    const before = r.problems.length;
    c.offset = r.int(o, 'offset', path, 0, 2 ** 44);
    if (r.problems.length === before) checkOffset(r, c.offset, pageSize, path);
  }
  if (c.kind === 'vmwgfx' && c.format !== 'XRGB8888')
    r.problems.push(`${path}.format: the SVGA host surface is XRGB8888`);
  return c;
}

/** Validates a parsed JSON scene; missing top-level sections take the defaults. Throws ConfigError. */
export function parseSceneConfig(json: unknown): SceneConfig {
  const r = new Reader();
  const o = r.obj(json, '$');
  r.unknownKeys(o, ['output', 'delayMs', 'damage', 'pageSize', 'clients', 'rfb', 'http', 'png'], '$');
  const d = DEFAULT_SCENE;
  const out = r.obj(o.output ?? d.output, '$.output');
  const rfb = r.obj(o.rfb ?? d.rfb, '$.rfb');
  const http = r.obj(o.http ?? d.http, '$.http');
  const png = r.obj(o.png ?? d.png, '$.png');
  const pageSize = r.oneOf(o, 'pageSize', '$', [4096, 16384, 65536], d.pageSize);
  const clientsJson = o.clients ?? d.clients;
  if (!Array.isArray(clientsJson)) r.problems.push('$.clients: expected an array');
  const clients = (Array.isArray(clientsJson) ? clientsJson : []).map((c, i) =>
    parseClient(r, c, `$.clients[${i}]`, pageSize),
  );
  const names = new Set<string>();
  for (const [i, c] of clients.entries()) {
    if (names.has(c.name)) r.problems.push(`$.clients[${i}].name: duplicate name ${JSON.stringify(c.name)}`);
    names.add(c.name);
  }
  const config: SceneConfig = {
    output: {
      width: r.int(out, 'width', '$.output', 16, 8192),
      height: r.int(out, 'height', '$.output', 16, 8192),
      background: r.colour(out, 'background', '$.output', d.output.background),
    },
    delayMs: r.int(o, 'delayMs', '$', 1, 10_000, d.delayMs),
    damage: r.oneOf(o, 'damage', '$', ['bbox', 'region'] as const, d.damage),
    pageSize,
    clients,
    rfb: {
      host: r.loopbackHost(rfb, 'host', '$.rfb', d.rfb.host),
      port: r.int(rfb, 'port', '$.rfb', 0, 65535, d.rfb.port),
    },
    http: {
      host: r.loopbackHost(http, 'host', '$.http', d.http.host),
      port: r.int(http, 'port', '$.http', 0, 65535, d.http.port),
    },
    png: {
      dir: r.str(png, 'dir', '$.png', d.png.dir),
      intervalMs: r.int(png, 'intervalMs', '$.png', 0, 3_600_000, d.png.intervalMs),
    },
  };
  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return config;
}
