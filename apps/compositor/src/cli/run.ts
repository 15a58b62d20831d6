import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { KernelError } from '@fbemu/gem-shmem';
import { asyncScheduler } from 'rxjs';
import { CompositorApp } from '../app/app.js';
import { createAppContainer } from '../app/container.js';
import { realTimeScheduler } from '../app/real-time-scheduler.js';
import { ConfigError, type SceneConfig } from '../config/scene-config.js';
import { formatPrograms, formatStats, formatTotals } from '../stats/format.js';
import { StatsWindow } from '../stats/window.js';
import { bannerLines } from './banner.js';
import { FLAGS, type Flags, parseFlags, renderHelp, UsageError } from './flags.js';
import { createLogger, type Logger, logViewerEvent, StatusLine } from './log.js';
import { checkOutputs, loadScene } from './scene.js';
import { Shutdown } from './shutdown.js';

export const NAME = 'fbemu-compositor';
const DESCRIPTION = 'Composite fbemu framebuffers and serve them over VNC, noVNC and PNG.';
/** the stats line's window */
const STATS_INTERVAL_MS = 1000;
/** a stop that takes longer than this (a stuck client or socket) ends the process anyway */
export const STOP_TIMEOUT_MS = 10_000;

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

const HELP_NOTES = [
  `Ctrl-C (SIGINT) or SIGTERM stops: clients flush their last frame, the snapshot is written, sockets`,
  `close, within ${STOP_TIMEOUT_MS / 1000} s at most; a second signal exits at once (code 130/143).`,
  'Exit codes: 0 stopped normally, 1 could not run (e.g. a busy port), 2 bad option or config.',
];

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  return `${NAME} ${pkg.version} (fbemu; Node.js ${process.version})`;
}

/** A failure the CLI understands and says fully in one line (exit code 1, no stack trace hint). */
class RunError extends Error {}

/** One line on stderr, prefixed with the program name; the stack trace only with --debug. */
export function report(e: unknown, debug: boolean): void {
  const expected = e instanceof UsageError || e instanceof ConfigError || e instanceof RunError;
  const lines = e instanceof ConfigError ? e.problems : [e instanceof Error ? e.message : String(e)];
  if (!expected && !debug) lines[0] += ' (--debug shows the stack trace)';
  for (const l of lines) process.stderr.write(`${NAME}: ${l}\n`);
  const origin = e instanceof Error && e.cause instanceof Error ? e.cause : e;
  if (debug && origin instanceof Error && origin.stack) process.stderr.write(`${origin.stack}\n`);
}

/** A listen failure, said with the flag that picks that port. */
function listenError(e: NodeJS.ErrnoException & { port?: number; address?: string }, scene: SceneConfig) {
  const flag = e.port === scene.rfb.port ? '--rfb-port' : '--http-port';
  const why =
    e.code === 'EADDRINUSE'
      ? `address in use, EADDRINUSE (another instance running? ${flag} 0 picks a free port)`
      : (e.message ?? e.code);
  return new RunError(`cannot listen on ${e.address ?? '?'}:${e.port} (${flag}): ${why}`, { cause: e });
}

/**
 * The config passed its own checks, so a KernelError while building the scene is a package
 * refusing a combination of values (two clients mounted at the same offset): a config problem.
 */
function sceneError(e: unknown): unknown {
  return e instanceof KernelError ? new RunError(`the scene cannot be built: ${e.message}`, { cause: e }) : e;
}

/** Parses and checks everything the run needs; a problem is a UsageError or ConfigError (exit 2). */
async function prepare(flags: Flags): Promise<SceneConfig> {
  const scene = await loadScene(flags);
  await checkOutputs(flags, scene);
  return scene;
}

/** Runs the CLI; resolves with the exit code. */
export async function runCli(argv: readonly string[]): Promise<number> {
  let flags: Flags;
  try {
    flags = parseFlags(argv);
  } catch (e) {
    report(e, argv.includes('--debug'));
    return e instanceof UsageError ? EXIT.usage : EXIT.failed;
  }
  const debug = flags.debug === true;
  if (flags.help) {
    process.stdout.write(renderHelp(NAME, DESCRIPTION, FLAGS, HELP_NOTES));
    return EXIT.ok;
  }
  if (flags.version) {
    process.stdout.write(`${version()}\n`);
    return EXIT.ok;
  }
  let scene: SceneConfig;
  try {
    scene = await prepare(flags);
  } catch (e) {
    report(e, debug);
    return e instanceof UsageError || e instanceof ConfigError ? EXIT.usage : EXIT.failed;
  }
  const status = new StatusLine();
  const log = createLogger({
    level: flags['log-level'] ?? 'info',
    format: flags['log-format'] ?? (process.stderr.isTTY ? 'pretty' : 'json'),
    status,
  });
  let app: CompositorApp;
  try {
    app = new CompositorApp(
      createAppContainer({ scene, scheduler: realTimeScheduler, headless: flags.headless, log }),
    );
  } catch (e) {
    report(sceneError(e), debug);
    return e instanceof KernelError ? EXIT.usage : EXIT.failed;
  }
  return serve(app, scene, flags, log, status);
}

async function serve(
  app: CompositorApp,
  scene: SceneConfig,
  flags: Flags,
  log: Logger,
  status: StatusLine,
): Promise<number> {
  const debug = flags.debug === true;
  const shutdown = new Shutdown({
    log,
    exit: (code) => process.exit(code),
    timeoutMs: STOP_TIMEOUT_MS,
    scheduler: asyncScheduler,
  });
  process.on('SIGINT', () => shutdown.signal('SIGINT'));
  process.on('SIGTERM', () => shutdown.signal('SIGTERM'));

  const viewers = app.viewerEvents$.subscribe((e) => logViewerEvent(log, e));
  let where: Awaited<ReturnType<CompositorApp['start']>>;
  try {
    where = await app.start();
  } catch (e) {
    shutdown.request('start failed');
    await app.stop().catch(() => {});
    const err = e as NodeJS.ErrnoException;
    report(err.syscall === 'listen' ? listenError(err, scene) : sceneError(e), debug);
    return e instanceof KernelError ? EXIT.usage : EXIT.failed;
  }
  log.debug('compositor started', {
    ...where,
    clients: scene.clients.map((c) => `${c.kind}:${c.name}`).join(','),
  });
  process.stdout.write(
    `${bannerLines(scene, where, { snapshot: flags.snapshot, durationS: flags.duration }).join('\n')}\n`,
  );

  const startedAt = performance.now();
  const window = new StatsWindow(app.stats(), startedAt);
  let pngErrors = 0;
  const ticker = setInterval(() => {
    const stats = app.stats();
    const programs = stats.programs.length ? ` | ${formatPrograms(stats.programs)}` : '';
    status.show(formatStats(window.next(stats, performance.now(), app.latency)) + programs);
    const { writeErrors = 0 } = app.png.stats();
    if (writeErrors > pngErrors) log.warn('PNG frames not written', { failed: writeErrors - pngErrors });
    pngErrors = writeErrors;
  }, STATS_INTERVAL_MS);
  if (flags.duration !== undefined)
    setTimeout(() => shutdown.request('duration'), flags.duration * 1000).unref();

  const why = await shutdown.requested;
  clearInterval(ticker);
  status.done();
  log.debug('stopping', { why });
  await app.stop(flags.snapshot);
  viewers.unsubscribe();
  const totals = app.stats();
  process.stdout.write(`final: ${formatTotals(totals, (performance.now() - startedAt) / 1000)}\n`);
  if (totals.programs.length) process.stdout.write(`programs: ${formatPrograms(totals.programs)}\n`);
  if (flags.snapshot) process.stdout.write(`snapshot written: ${flags.snapshot}\n`);
  log.info('stopped', { why });
  return EXIT.ok;
}
