import { readFile } from 'node:fs/promises';
import { parseSceneConfig, type SceneConfig } from '../config/scene-config.js';
import { type Flags, UsageError } from './flags.js';
import { checkOutputDir, checkOutputFile } from './paths.js';

/** The scene the flags ask for: `--config` (or the demo scene), then the flags that override it. */
export async function loadScene(flags: Flags): Promise<SceneConfig> {
  let json: unknown = {};
  if (flags.config !== undefined) {
    let text: string;
    try {
      text = await readFile(flags.config, 'utf8');
    } catch (e) {
      throw new UsageError(`--config: cannot read ${flags.config} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new UsageError(`--config: ${flags.config} is not valid JSON (${(e as Error).message})`);
    }
  }
  const scene = parseSceneConfig(json);
  return {
    ...scene,
    rfb: { ...scene.rfb, port: flags['rfb-port'] ?? scene.rfb.port },
    http: { ...scene.http, port: flags['http-port'] ?? scene.http.port },
    png: {
      dir: flags['png-dir'] ?? scene.png.dir,
      intervalMs: flags['png-interval'] ?? scene.png.intervalMs,
    },
  };
}

/** Every file and folder the run will write, checked before it starts (not at exit). */
export async function checkOutputs(flags: Flags, scene: SceneConfig): Promise<void> {
  if (flags.snapshot !== undefined) await checkOutputFile(flags.snapshot, '--snapshot');
  if (scene.png.intervalMs > 0)
    await checkOutputDir(scene.png.dir, flags['png-dir'] !== undefined ? '--png-dir' : '$.png.dir');
}
