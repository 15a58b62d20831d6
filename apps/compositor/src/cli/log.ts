import { writeSync } from 'node:fs';
import { pino } from 'pino';
import type { ViewerEvent } from '../stats/viewer-event.js';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ['pretty', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export type LogFields = Record<string, string | number | boolean | undefined>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

/**
 * The terminal's last line as a live status (the stats line), redrawn in place. Anything else
 * written to the terminal goes through `above`, which clears the status, writes, and redraws it,
 * so log lines never land in the middle of the stats line. Off a terminal, `show` prints one line
 * per call instead.
 */
export class StatusLine {
  private line = '';

  constructor(
    private readonly out: NodeJS.WriteStream = process.stdout,
    private readonly shared: boolean = Boolean(process.stdout.isTTY && process.stderr.isTTY),
  ) {}

  get inPlace(): boolean {
    return Boolean(this.out.isTTY);
  }

  show(line: string): void {
    if (!this.inPlace) {
      this.out.write(`${line}\n`);
      return;
    }
    this.line = line;
    this.out.write(`\r\x1b[2K${line}`);
  }

  /** Ends the live line so what follows starts on a fresh one. */
  done(): void {
    if (this.inPlace && this.line) this.out.write('\n');
    this.line = '';
  }

  above(write: () => void): void {
    const redraw = this.shared && this.line !== '';
    if (redraw) this.out.write('\r\x1b[2K');
    write();
    if (redraw) this.out.write(this.line);
  }
}

const RANK: Record<LogLevel, number> = { debug: 20, info: 30, warn: 40, error: 50, silent: 99 };

function pad2(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** `12:04:05.123 INFO  viewer connected session=1 transport=tcp remote=127.0.0.1:51234` */
export function formatPretty(
  level: Exclude<LogLevel, 'silent'>,
  msg: string,
  fields: LogFields,
  at: Date,
): string {
  const time = `${pad2(at.getHours())}:${pad2(at.getMinutes())}:${pad2(at.getSeconds())}.${pad2(at.getMilliseconds(), 3)}`;
  const kv = Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'string' && /[\s"=]/.test(v) ? JSON.stringify(v) : v}`);
  return [time, level.toUpperCase().padEnd(5), msg, ...kv].join(' ');
}

export interface LoggerOptions {
  level: LogLevel;
  format: LogFormat;
  /** where pretty lines are coordinated with the stats line */
  status?: StatusLine;
  /** file descriptor the lines go to (stderr) */
  fd?: number;
}

/**
 * Logs for people (pretty: one aligned line, no colour codes) or for machines (pino's JSON lines).
 * Both write synchronously, so a line logged just before exit is never lost.
 */
export function createLogger(options: LoggerOptions): Logger {
  const fd = options.fd ?? 2;
  if (options.format === 'json') {
    const p = pino({ name: 'fbemu', level: options.level }, pino.destination({ fd, sync: true }));
    return {
      debug: (msg, f) => p.debug(f ?? {}, msg),
      info: (msg, f) => p.info(f ?? {}, msg),
      warn: (msg, f) => p.warn(f ?? {}, msg),
      error: (msg, f) => p.error(f ?? {}, msg),
    };
  }
  const at =
    (level: Exclude<LogLevel, 'silent'>) =>
    (msg: string, fields: LogFields = {}) => {
      if (RANK[level] < RANK[options.level]) return;
      const line = `${formatPretty(level, msg, fields, new Date())}\n`;
      const write = () => writeSync(fd, line);
      if (options.status) options.status.above(write);
      else write();
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** One log line per viewer connection change; refusals are warnings. */
export function logViewerEvent(log: Logger, e: ViewerEvent): void {
  switch (e.type) {
    case 'connected':
      log.info('viewer connected', { session: e.session, transport: e.transport, remote: e.remote });
      break;
    case 'disconnected':
      log.info('viewer disconnected', { session: e.session, reason: e.reason });
      break;
    case 'refused':
      log.warn('viewer refused', { transport: e.transport, remote: e.remote, reason: e.reason });
      break;
  }
}
