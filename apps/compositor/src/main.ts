#!/usr/bin/env node
/**
 * fbemu compositor CLI. With no arguments it runs the default demo scene: three clients (fbdev
 * over GEM shmem, fbdev with shadow + fb_ops console, a VMware SVGA guest) composited into one
 * desktop, served over RFB (native VNC clients) and a noVNC page, with periodic PNG frames.
 */
import 'reflect-metadata';
import { readFile } from 'node:fs/promises';
import { defineCommand, runMain } from 'citty';
import { pino } from 'pino';
import { CompositorApp } from './app/app.js';
import { createAppContainer } from './app/container.js';
import { realTimeScheduler } from './app/real-time-scheduler.js';
import { ConfigError, parseSceneConfig, type SceneConfig } from './config/scene-config.js';
import { formatStats } from './stats/format.js';

function intArg(v: unknown, what: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0)
    throw new ConfigError([`--${what}: expected a non-negative integer, got ${JSON.stringify(v)}`]);
  return n;
}

async function loadScene(args: Record<string, unknown>): Promise<SceneConfig> {
  let json: unknown = {};
  if (typeof args.config === 'string') {
    const text = await readFile(args.config, 'utf8');
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new ConfigError([`${args.config}: not valid JSON (${(e as Error).message})`]);
    }
  }
  const scene = parseSceneConfig(json);
  const rfbPort = intArg(args['rfb-port'], 'rfb-port');
  const httpPort = intArg(args['http-port'], 'http-port');
  const pngInterval = intArg(args['png-interval'], 'png-interval');
  return {
    ...scene,
    rfb: { ...scene.rfb, port: rfbPort ?? scene.rfb.port },
    http: { ...scene.http, port: httpPort ?? scene.http.port },
    png: {
      dir: typeof args['png-dir'] === 'string' ? args['png-dir'] : scene.png.dir,
      intervalMs: pngInterval ?? scene.png.intervalMs,
    },
  };
}

const command = defineCommand({
  meta: {
    name: 'fbemu-compositor',
    description: 'Composite fbemu framebuffers and serve them over VNC, noVNC and PNG',
  },
  args: {
    config: {
      type: 'string',
      description: 'scene JSON file (see docs/compositor.md); default: the built-in demo scene',
    },
    duration: { type: 'string', description: 'stop after this many seconds (default: run until Ctrl-C)' },
    headless: {
      type: 'boolean',
      description: 'no RFB server and no viewer page (PNG output only)',
      default: false,
    },
    'rfb-port': { type: 'string', description: 'RFB (VNC) TCP port on 127.0.0.1 (0 = any free port)' },
    'http-port': {
      type: 'string',
      description: 'viewer page + WebSocket port on 127.0.0.1 (0 = any free port)',
    },
    snapshot: { type: 'string', description: 'write the final frame to this PNG file on exit' },
    'png-dir': { type: 'string', description: 'folder for periodic PNG frames (default out/)' },
    'png-interval': {
      type: 'string',
      description: 'ms between periodic PNG frames; 0 = none (default 5000)',
    },
  },
  async run({ args }) {
    const log = pino({ name: 'fbemu' }, pino.destination(2));
    let scene: SceneConfig;
    try {
      scene = await loadScene(args);
    } catch (e) {
      process.stderr.write(`${(e as Error).message}\n`);
      process.exitCode = 2;
      return;
    }
    const duration = intArg(args.duration, 'duration');
    const container = createAppContainer({ scene, scheduler: realTimeScheduler, headless: args.headless });
    const app = new CompositorApp(container);
    let where: Awaited<ReturnType<CompositorApp['start']>>;
    try {
      where = await app.start();
    } catch (e) {
      await app.stop().catch(() => {});
      const err = e as NodeJS.ErrnoException;
      const hint =
        err.code === 'EADDRINUSE'
          ? ' (another instance running? pass --rfb-port/--http-port, 0 picks a free port)'
          : '';
      process.stderr.write(`fbemu compositor could not start: ${err.message}${hint}\n`);
      log.error({ err }, 'start failed');
      process.exitCode = 1;
      return;
    }
    log.info({ clients: scene.clients.map((c) => `${c.kind}:${c.name}`), ...where }, 'compositor started');
    const lines = [
      `fbemu compositor: ${scene.output.width}x${scene.output.height}, ${scene.clients.length} clients, defio delay ${scene.delayMs} ms`,
      where.viewerUrl ? `  viewer (noVNC):  ${where.viewerUrl}` : '  viewer: off (--headless)',
      where.rfbPort !== undefined
        ? `  VNC (RFB 3.8):  127.0.0.1::${where.rfbPort}   e.g. vncviewer 127.0.0.1::${where.rfbPort}`
        : '  VNC: off (--headless)',
      where.pngDir
        ? `  PNG frames:     ${where.pngDir}/ (every ${scene.png.intervalMs} ms when something changed)`
        : '  PNG frames: off',
      args.snapshot
        ? `  snapshot:       ${args.snapshot} (on exit)`
        : '  snapshot: pass --snapshot FILE to save the last frame on exit',
      duration ? `  stopping after ${duration} s` : '  Ctrl-C stops (clients flush their last frame first)',
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    const tty = process.stdout.isTTY;
    const ticker = setInterval(() => {
      const line = formatStats(app.stats());
      if (tty) process.stdout.write(`\r\x1b[2K${line}`);
      else process.stdout.write(`${line}\n`);
    }, 1000);
    let stopping: Promise<void> | undefined;
    let finished: () => void = () => {};
    const stop = (why: string) => {
      stopping ??= (async () => {
        clearInterval(ticker);
        log.info({ why }, 'stopping');
        await app.stop(typeof args.snapshot === 'string' ? args.snapshot : undefined);
        process.stdout.write(`${tty ? '\n' : ''}final: ${formatStats(app.stats())}\n`);
        if (args.snapshot) process.stdout.write(`snapshot written: ${args.snapshot}\n`);
        log.info('stopped');
      })().finally(() => finished());
      return stopping;
    };
    process.once('SIGINT', () => void stop('SIGINT'));
    process.once('SIGTERM', () => void stop('SIGTERM'));
    if (duration !== undefined) setTimeout(() => void stop('duration'), duration * 1000);
    await new Promise<void>((resolve) => {
      finished = resolve;
    });
  },
});

// `pnpm start -- --flag` passes the `--` through; citty would read everything after it as positional
const rawArgs = process.argv.slice(2);
runMain(command, { rawArgs: rawArgs[0] === '--' ? rawArgs.slice(1) : rawArgs });
