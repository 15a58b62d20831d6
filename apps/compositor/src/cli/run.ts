import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { KernelError } from '@fbemu/gem-shmem';
import { CompositorApp } from '../app/app.js';
import { createAppContainer } from '../app/container.js';
import { realTimeScheduler } from '../app/real-time-scheduler.js';
import { ConfigError, type SceneConfig } from '../config/scene-config.js';
import { formatPrograms, formatStats, formatTotals } from '../stats/format.js';
import { StatsWindow } from '../stats/window.js';
import { bannerLines } from './banner.js';
import { type Flags, parseFlags, renderHelp, UsageError } from './flags.js';
import { createLogger, type Logger, logViewerEvent, StatusLine } from './log.js';
import { checkOutputs, loadScene } from './scene.js';

export const NAME = 'fbemu-compositor';
const DESCRIPTION = 'Composite fbemu framebuffers and serve them over VNC, noVNC and PNG.';
/** the stats line's window */
const STATS_INTERVAL_MS = 1000;
/** a stop that takes longer than this (a stuck client or socket) ends the process anyway */
export const STOP_TIMEOUT_MS = 10_000;

export const EXIT = { ok: 0, failed: 1, usage: 2, SIGINT: 130, SIGTERM: 143 } as const;

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
    process.stdout.write(renderHelp(NAME, DESCRIPTION));
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
    // the config passed its own checks, so this is a package refusing it (a KernelError)
    report(e instanceof KernelError ? new RunError(`the scene cannot be built: ${e.message}`, { cause: e }) : e, debug);
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
  let requestStop: (why: string) => void = () => {};
  const stopRequested = new Promise<string>((resolve) => {
    requestStop = resolve;
  });
  let signals = 0;
  const onSignal = (signal: 'SIGINT' | 'SIGTERM') => {
    signals += 1;
    if (signals > 1) {
      log.warn('second signal: exiting without waiting for the shutdown', { signal });
      process.exit(EXIT[signal]);
    }
    log.info('stopping', { signal, hint: 'again to force' });
    requestStop(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  void stopRequested.then(() => {
    setTimeout(() => {
      log.error('shutdown did not finish in time; exiting', { timeoutMs: STOP_TIMEOUT_MS });
      process.exit(EXIT.failed);
    }, STOP_TIMEOUT_MS).unref();
  });

  const viewers = app.viewerEvents$.subscribe((e) => logViewerEvent(log, e));
  let where: Awaited<ReturnType<CompositorApp['start']>>;
  try {
    where = await app.start();
  } catch (e) {
    requestStop('start failed');
    await app.stop().catch(() => {});
    const err = e as NodeJS.ErrnoException;
    report(err.syscall === 'listen' ? listenError(err, scene) : e, debug);
    return e instanceof KernelError ? EXIT.usage : EXIT.failed;
  }
  log.debug('compositor started', { ...where, clients: scene.clients.map((c) => `${c.kind}:${c.name}`).join(',') });
  process.stdout.write(`${bannerLines(scene, where, { snapshot: flags.snapshot, durationS: flags.duration }).join('\n')}\n`);

  const startedAt = performance.now();
  const window = new StatsWindow(app.stats(), startedAt);
  const ticker = setInterval(() => {
    const stats = app.stats();
    const programs = stats.programs.length ? ` | ${formatPrograms(stats.programs)}` : '';
    status.show(formatStats(window.next(stats, performance.now(), app.latency)) + programs);
  }, STATS_INTERVAL_MS);
  if (flags.duration !== undefined)
    setTimeout(() => requestStop('duration'), flags.duration * 1000).unref();

  const why = await stopRequested;
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
