import { type ChildProcess, spawn } from 'node:child_process';
import type { ClientLog } from '../app/tokens.js';
import { LineRateLimit, OutputLines } from './output-lines.js';
import type { ProgramTerminal } from './program-terminal.js';

/** How a program ended: its exit code, or the signal that killed it (or the spawn error). */
export interface ProgramExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly error?: string;
}

/** After SIGTERM a program gets this long to exit before SIGKILL. */
export const KILL_AFTER_MS = 2000;

/**
 * A real program as a child process: stdin its terminal (a pseudo-terminal, see ProgramTerminal;
 * the program in a session of its own) or else an empty pipe held open, stdout and stderr to the log line by
 * line (tagged with the program's name, long lines in pieces: OutputLines; at most LOG_BURST lines
 * per LOG_WINDOW_MS: LineRateLimit), its exit logged with the status.
 */
export class ProgramProcess {
  readonly exited: Promise<ProgramExit>;
  private readonly child: ChildProcess;
  private done = false;
  /** in the exit line too: the `alsoRun` programs of a client share its name */
  private readonly command: string;

  constructor(
    readonly name: string,
    argv: readonly string[],
    env: Record<string, string>,
    private readonly log: ClientLog,
    terminal?: ProgramTerminal,
  ) {
    this.command = argv.join(' ');
    this.child = spawn(argv[0], argv.slice(1), {
      env: { ...process.env, ...env },
      // stdin stays open while the program runs (a terminal nobody types on, or an empty pipe):
      // modetest -s shows its pattern until its stdin has a line or ends
      stdio: [terminal?.slave ?? 'pipe', 'pipe', 'pipe'],
      // a session of its own (setsid), without a controlling terminal: had the program led a
      // session on its pty, its exit would SIGHUP a child it forked that has not left the
      // process group yet (fbi's console child, racing its own setsid)
      detached: terminal !== undefined,
    });
    terminal?.spawned();
    // the program may close its stdin or exit before stop ends it: EPIPE there is no error
    this.child.stdin?.on('error', () => {});
    for (const [stream, what] of [
      [this.child.stdout, 'stdout'],
      [this.child.stderr, 'stderr'],
    ] as const) {
      if (!stream) continue;
      const limit = new LineRateLimit(
        (line) => log.info(line, { program: name, stream: what }),
        (dropped) =>
          log.warn('output lines not logged (rate limit)', { program: name, stream: what, dropped }),
        Date.now,
      );
      const lines = new OutputLines(limit.line);
      stream.setEncoding('utf8');
      stream.on('data', (text: string) => lines.push(text));
      stream.on('end', () => {
        lines.end();
        limit.flush();
      });
    }
    this.exited = new Promise((resolve) => {
      // 'close' comes after the last output line; 'error' alone when the program could not start
      this.child.once('error', (e) => this.finish(resolve, { code: null, signal: null, error: e.message }));
      this.child.once('close', (code, signal) => this.finish(resolve, { code, signal }));
    });
    log.info('program started', { program: name, pid: this.child.pid, command: this.command });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return !this.done;
  }

  /** SIGTERM, then SIGKILL after `KILL_AFTER_MS`; resolves once the program is gone. */
  async terminate(): Promise<ProgramExit> {
    if (this.done) return this.exited;
    this.child.stdin?.end();
    this.child.kill('SIGTERM');
    const kill = setTimeout(() => {
      this.log.warn('program ignored SIGTERM: SIGKILL', { program: this.name, afterMs: KILL_AFTER_MS });
      this.child.kill('SIGKILL');
    }, KILL_AFTER_MS);
    try {
      return await this.exited;
    } finally {
      clearTimeout(kill);
    }
  }

  private finish(resolve: (e: ProgramExit) => void, exit: ProgramExit): void {
    if (this.done) return;
    this.done = true;
    const status = exit.error ?? (exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`);
    const fields = {
      program: this.name,
      command: this.command,
      status,
      code: exit.code ?? undefined,
      signal: exit.signal ?? undefined,
    };
    if (exit.error || exit.code !== 0) this.log.warn('program ended', fields);
    else this.log.info('program ended', fields);
    resolve(exit);
  }
}
