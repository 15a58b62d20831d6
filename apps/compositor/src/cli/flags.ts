/**
 * The CLI's flags as one table: each entry says how its value is written, what it means, its
 * default and how to parse it. Parsing, `--help` and the error messages all read the table, so a
 * new flag (or a repeatable one: `multiple: true`, every occurrence kept in order) is one entry.
 */
import { LOG_FORMATS, LOG_LEVELS } from './log.js';

/** A bad command line: one line naming the flag and what it accepts; exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface FlagSpec {
  /** the value's placeholder in --help; absent: a switch that takes no value */
  readonly value?: string;
  readonly short?: string;
  /** repeatable: every occurrence is kept, in order */
  readonly multiple?: boolean;
  readonly help: string;
  /** the default, as --help shows it */
  readonly default?: string;
  /** the value, or throws `Error('expected …')` */
  readonly parse?: (raw: string) => unknown;
}

/** setTimeout's limit (2^31 - 1 ms): a longer duration would fire at once */
export const MAX_DURATION_S = Math.floor((2 ** 31 - 1) / 1000);

function integer(min: number, max: number, note = '') {
  return (raw: string): number => {
    const n = Number(raw);
    if (/^\d+$/.test(raw) && n >= min && n <= max) return n;
    throw new Error(`expected an integer in [${min}, ${max}]${note}`);
  };
}

function seconds(raw: string): number {
  const n = Number(raw);
  if (/^\d+(\.\d+)?$/.test(raw) && n > 0 && n <= MAX_DURATION_S) return n;
  throw new Error(
    `expected a number of seconds > 0 and at most ${MAX_DURATION_S} (leave it out to run until Ctrl-C)`,
  );
}

function oneOf<T extends string>(values: readonly T[]) {
  return (raw: string): T => {
    if ((values as readonly string[]).includes(raw)) return raw as T;
    throw new Error(`expected one of ${values.join(', ')}`);
  };
}

function path(raw: string): string {
  if (raw.length > 0) return raw;
  throw new Error('expected a path');
}

/** A command line as `--run` takes it: words split at blanks, with '…' / "…" quoting and \\ escapes. */
export function splitCommand(raw: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let quote: string | undefined;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < raw.length) word = (word ?? '') + raw[++i];
      else word = (word ?? '') + c;
    } else if (c === "'" || c === '"') {
      quote = c;
      word ??= '';
    } else if (c === '\\' && i + 1 < raw.length) word = (word ?? '') + raw[++i];
    else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else word = (word ?? '') + c;
  }
  if (quote !== undefined) throw new Error(`expected a closing ${quote}`);
  if (word !== undefined) words.push(word);
  if (words.length === 0) throw new Error('expected a command');
  return words;
}

/** `--fb-mode`: WIDTHxHEIGHT or WIDTHxHEIGHTxBPP (bpp 32 or 16). */
export function fbMode(raw: string): { width: number; height: number; bpp?: 16 | 32 } {
  const m = /^(\d{1,4})x(\d{1,4})(?:x(16|32))?$/.exec(raw);
  const width = Number(m?.[1]);
  const height = Number(m?.[2]);
  if (m && width >= 8 && height >= 8 && width <= 4096 && height <= 4096)
    return m[3] ? { width, height, bpp: Number(m[3]) as 16 | 32 } : { width, height };
  throw new Error('expected WIDTHxHEIGHT or WIDTHxHEIGHTxBPP (8..4096 pixels, bpp 32 or 16)');
}

export const FLAGS = {
  run: {
    value: 'COMMAND',
    multiple: true,
    help: "a real program on its own /dev/fb0, e.g. 'fbi -a -T 1 photo.png'; without a scene config the output is just its framebuffer",
    parse: splitCommand,
  },
  'fb-mode': {
    value: 'WxH[xBPP]',
    help: 'framebuffer mode of the --run programs',
    default: '640x480x32',
    parse: fbMode,
  },
  drm: {
    help: "the --run programs also get /dev/dri/card0; while a program drives its CRTC, that picture covers its /dev/fb0 (e.g. --run 'modetest -M fbemu -D /dev/dri/card0 -s 9@7:640x480')",
  },
  'drm-fbdev': {
    help: 'the --run programs share one device world: /dev/dri/card0 with /dev/fb0 as its fbdev emulation (drm_fbdev_shmem, one buffer); one plane shows the CRTC: the fbdev until a KMS program sets its mode, again after it exits',
  },
  tracking: {
    value: 'MODE',
    help: "how the --run programs' stores are seen: async, sync or mprotect (docs/real-programs.md)",
    default: 'async',
    parse: oneOf(['async', 'sync', 'mprotect'] as const),
  },
  config: {
    value: 'FILE',
    help: 'scene JSON file (see docs/compositor.md)',
    default: 'the built-in demo scene',
    parse: path,
  },
  duration: {
    value: 'SECONDS',
    help: 'stop after this long (decimals allowed)',
    default: 'run until Ctrl-C / SIGTERM',
    parse: seconds,
  },
  headless: { help: 'no RFB server and no viewer page (PNG output only)' },
  'rfb-port': {
    value: 'N',
    help: 'RFB (VNC) TCP port; 0 = any free port',
    default: '5900, or $.rfb.port',
    parse: integer(0, 65535),
  },
  'rfb-lossless': {
    help: 'never send JPEG, even to viewers that ask for a quality level (noVNC asks for 6): every update exact',
  },
  'http-port': {
    value: 'N',
    help: 'viewer page + WebSocket port; 0 = any free port',
    default: '6080, or $.http.port',
    parse: integer(0, 65535),
  },
  snapshot: { value: 'FILE', help: 'write the final frame to this PNG file on exit', parse: path },
  'png-dir': {
    value: 'DIR',
    help: 'folder for periodic PNG frames (created if missing)',
    default: 'out, or $.png.dir',
    parse: path,
  },
  'png-interval': {
    value: 'MS',
    help: 'ms between periodic PNG frames (only when something changed); 0 = none',
    default: '5000, or $.png.intervalMs',
    parse: integer(0, 3_600_000),
  },
  'log-level': {
    value: 'LEVEL',
    help: `log level: ${LOG_LEVELS.join(', ')}`,
    default: 'info',
    parse: oneOf(LOG_LEVELS),
  },
  'log-format': {
    value: 'FORMAT',
    help: 'log lines on stderr: pretty (for people) or json (pino JSON lines)',
    default: 'pretty on a terminal, json otherwise',
    parse: oneOf(LOG_FORMATS),
  },
  debug: { help: 'stack traces with errors' },
  help: { short: 'h', help: 'print this help and exit' },
  version: { short: 'V', help: 'print the version and exit' },
} as const satisfies Record<string, FlagSpec>;

type Table = typeof FLAGS;
type ValueOf<F> = F extends { parse: (raw: string) => infer T }
  ? F extends { multiple: true }
    ? T[]
    : T
  : boolean;

/** What the command line said; a flag not given is undefined (its default is applied later). */
export type Flags = { -readonly [K in keyof Table]?: ValueOf<Table[K]> };

export type FlagTable = Readonly<Record<string, FlagSpec>>;

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}

function unknown(arg: string, table: FlagTable): UsageError {
  const name = arg.replace(/^-+/, '').split('=')[0];
  const near = Object.keys(table).find((k) => editDistance(k, name) <= 2);
  return new UsageError(
    `${arg.split('=')[0]}: unknown option (${near ? `did you mean --${near}? ` : ''}see --help)`,
  );
}

function lookup(arg: string, table: FlagTable): [string, FlagSpec] | undefined {
  if (/^-[^-]$/.test(arg)) return Object.entries(table).find(([, s]) => s.short === arg[1]);
  const name = arg.slice(2);
  return Object.hasOwn(table, name) ? [name, table[name]] : undefined;
}

/**
 * Parses `--name value`, `--name=value`, switches and their short forms; a leading `--` (what
 * `pnpm start -- …` passes through) is skipped. Anything else is a UsageError naming the flag.
 */
export function parseFlags(argv: readonly string[]): Flags;
export function parseFlags(argv: readonly string[], table: FlagTable): Record<string, unknown>;
export function parseFlags(argv: readonly string[], table: FlagTable = FLAGS): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const args = argv[0] === '--' ? argv.slice(1) : argv;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith('-') || arg === '-' || arg === '--')
      throw new UsageError(`${JSON.stringify(arg)}: unexpected argument (options start with --; see --help)`);
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const found = lookup(eq < 0 ? arg : arg.slice(0, eq), table);
    if (!found) throw unknown(arg, table);
    const [name, spec] = found;
    const flag = `--${name}`;
    if (!spec.multiple && name in out) throw new UsageError(`${flag}: given more than once`);
    if (!spec.parse) {
      if (eq >= 0) throw new UsageError(`${flag}: takes no value`);
      out[name] = true;
      continue;
    }
    let raw: string;
    if (eq >= 0) raw = arg.slice(eq + 1);
    else if (i + 1 < args.length && !args[i + 1].startsWith('--')) raw = args[++i];
    else throw new UsageError(`${flag}: needs a value (${spec.value})`);
    let value: unknown;
    try {
      value = spec.parse(raw);
    } catch (e) {
      throw new UsageError(`${flag}: ${(e as Error).message}, got ${JSON.stringify(raw)}`);
    }
    out[name] = spec.multiple ? [...((out[name] as unknown[] | undefined) ?? []), value] : value;
  }
  return out;
}

/** `--help`: usage, every flag with its value and default; plain text (no colour codes). */
export function renderHelp(
  name: string,
  description: string,
  table: FlagTable = FLAGS,
  notes: readonly string[] = [],
): string {
  const rows = Object.entries(table).map(([flag, s]) => {
    const left = `${s.short ? `-${s.short}, ` : '    '}--${flag}${s.value ? ` ${s.value}` : ''}${s.multiple ? ' (repeatable)' : ''}`;
    return { left, right: s.default ? `${s.help} [default: ${s.default}]` : s.help };
  });
  const width = Math.max(...rows.map((r) => r.left.length)) + 2;
  return [
    `${description}`,
    '',
    `Usage: ${name} [options]`,
    '',
    'Options:',
    ...rows.map((r) => `  ${r.left.padEnd(width)}${r.right}`),
    ...(notes.length ? ['', ...notes] : []),
    '',
  ].join('\n');
}
