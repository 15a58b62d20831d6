import { readFile } from 'node:fs/promises';
import { programName } from '../clients/program-client.js';
import {
  ConfigError,
  DEFAULT_PROGRAM_MODE,
  DEFAULT_SCENE,
  parseSceneConfig,
  type SceneConfig,
} from '../config/scene-config.js';
import { type Flags, UsageError } from './flags.js';
import { checkOutputDir, checkOutputFile } from './paths.js';

/** The scene the flags ask for: `--config` (or the demo scene), then the flags that override it. */
export async function loadScene(flags: Flags): Promise<SceneConfig> {
  checkProgramFlags(flags);
  let json: unknown = {};
  if (flags.config !== undefined) {
    let text: string;
    try {
      text = await readFile(flags.config, 'utf8');
    } catch (e) {
      throw new UsageError(
        `--config: cannot read ${flags.config} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
      );
    }
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new UsageError(`--config: ${flags.config} is not valid JSON (${(e as Error).message})`);
    }
  }
  if (flags.run?.length) json = withPrograms(json, flags, flags.config !== undefined);
  let scene: SceneConfig;
  try {
    scene = parseSceneConfig(json);
  } catch (e) {
    // say which file: the problems name JSON paths inside it
    if (e instanceof ConfigError && flags.config)
      throw new ConfigError(e.problems.map((p) => `${flags.config}: ${p}`));
    throw e;
  }
  return {
    ...scene,
    rfb: {
      ...scene.rfb,
      port: flags['rfb-port'] ?? scene.rfb.port,
      ...(flags['rfb-lossless'] ? { jpeg: false } : {}),
    },
    http: { ...scene.http, port: flags['http-port'] ?? scene.http.port },
    png: {
      dir: flags['png-dir'] ?? scene.png.dir,
      intervalMs: flags['png-interval'] ?? scene.png.intervalMs,
    },
  };
}

/**
 * `--drm` and `--drm-fbdev` shape the `--run` programs' devices: one of them, and only with a
 * program (silently ignoring either leaves a user wondering where the card is).
 */
function checkProgramFlags(flags: Flags): void {
  if (flags.drm && flags['drm-fbdev'])
    throw new UsageError(
      '--drm and --drm-fbdev: give one (--drm-fbdev gives the programs a card too, shared with /dev/fb0)',
    );
  for (const flag of ['drm', 'drm-fbdev'] as const)
    if (flags[flag] && !flags.run?.length)
      throw new UsageError(`--${flag}: applies to the --run programs; give one with --run COMMAND`);
}

/** Every file and folder the run will write, checked before it starts (not at exit). */
export async function checkOutputs(flags: Flags, scene: SceneConfig): Promise<void> {
  if (flags.snapshot !== undefined) await checkOutputFile(flags.snapshot, '--snapshot');
  if (scene.png.intervalMs > 0)
    await checkOutputDir(scene.png.dir, flags['png-dir'] !== undefined ? '--png-dir' : '$.png.dir');
}

/**
 * The `--run` programs as scene clients. Without a config they are the whole scene: side by side
 * from (0,0), the output exactly their framebuffers; with one, they go on top of its clients.
 * `--drm-fbdev`: one client on a shared card, the first program with the others in `alsoRun`.
 */
function withPrograms(json: unknown, flags: Flags, configured: boolean): unknown {
  const mode = { ...DEFAULT_PROGRAM_MODE, ...flags['fb-mode'] };
  const base = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>;
  // a config without clients has the demo scene's; a malformed list is left for the config check
  if (configured && base.clients !== undefined && !Array.isArray(base.clients)) return base;
  const given = (configured ? (base.clients ?? DEFAULT_SCENE.clients) : []) as Record<string, unknown>[];
  const names = new Set(given.map((c) => c?.name));
  const top = Math.max(0, ...given.map((c) => (typeof c?.z === 'number' ? c.z : 0)));
  const shared = flags['drm-fbdev'] === true;
  const runs = flags.run ?? [];
  const groups = shared ? [runs] : runs.map((argv) => [argv]);
  const programs = groups.map(([argv, ...alsoRun], i) => {
    let name = programName(argv);
    for (let n = 2; names.has(name); n++) name = `${programName(argv)}-${n}`;
    names.add(name);
    const x = configured ? 0 : i * mode.width;
    return {
      name,
      kind: 'program',
      argv,
      ...mode,
      x,
      y: 0,
      z: top + 1 + i,
      tracking: flags.tracking ?? 'async',
      drm: shared ? 'shared' : flags.drm === true,
      alsoRun,
    };
  });
  if (configured) return { ...base, clients: [...given, ...programs] };
  const output = { width: Math.max(16, programs.length * mode.width), height: Math.max(16, mode.height) };
  return { ...base, output, clients: programs };
}
