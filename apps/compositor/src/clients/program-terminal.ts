import { closeSync, readSync, writeSync } from 'node:fs';
import type { NativeAddon } from '@fbemu/chrdev';
import { check, KernelError } from '@fbemu/gem-shmem';
import { OutputLines } from './output-lines.js';

const CHUNK = 4096;

/**
 * A program's terminal: a pseudo-terminal whose slave is the program's stdin, and whose master
 * the compositor writes a viewer's key bytes into (the console bytes `keysymToConsoleBytes`
 * made). The line discipline between them is the kernel's: echo, ICRNL, canonical lines, raw
 * mode when the program asks for it. It is not the program's controlling terminal (see
 * ProgramProcess), so ^C is the byte 0x03, not SIGINT. What the terminal echoes goes to
 * `output` line by line.
 */
export class ProgramTerminal {
  private readonly master: number;
  private slaveFd: number | undefined;
  private watch: unknown;
  private open = true;
  private readonly buffer = Buffer.alloc(CHUNK);
  private readonly echo: OutputLines;
  /** key bytes the program did not take (its terminal's input queue was full) */
  dropped = 0;

  constructor(
    private readonly native: NativeAddon,
    output: (line: string) => void,
  ) {
    this.echo = new OutputLines(output);
    const pty = native.openPty();
    if (typeof pty === 'number') throw new KernelError('EIO', `no pseudo-terminal (errno ${-pty})`);
    this.master = pty.master;
    this.slaveFd = pty.slave;
    try {
      this.watch = native.watch(this.master, () => this.drain());
    } catch (e) {
      this.close(); // neither descriptor may leak
      throw e;
    }
  }

  /** the slave, for the program's stdin; `spawned` closes this process's copy */
  get slave(): number {
    check(this.slaveFd !== undefined, 'EBADF', 'the terminal was handed to its program already');
    return this.slaveFd;
  }

  /** The program has its copy of the slave: close ours, so its exit hangs the terminal up. */
  spawned(): void {
    if (this.slaveFd === undefined) return;
    closeSync(this.slaveFd);
    this.slaveFd = undefined;
  }

  /** Types `bytes` on the terminal; false (and counted in `dropped`) when its input queue is full. */
  write(bytes: Uint8Array): boolean {
    if (!this.open) return false;
    try {
      const n = writeSync(this.master, bytes);
      this.dropped += bytes.length - n;
      return n === bytes.length;
    } catch (e) {
      // EAGAIN: the program does not read; EIO: nobody has the slave open any more
      if (!isErrno(e, 'EAGAIN') && !isErrno(e, 'EIO')) throw e;
      this.dropped += bytes.length;
      return false;
    }
  }

  /** Closes the master (a program still on the slave is hung up: SIGHUP, then EOF). Idempotent. */
  close(): void {
    this.spawned();
    if (!this.open) return;
    this.open = false;
    this.stopWatching();
    closeSync(this.master);
  }

  private drain(): void {
    for (;;) {
      let n: number;
      try {
        n = readSync(this.master, this.buffer, 0, CHUNK, null);
      } catch (e) {
        if (isErrno(e, 'EAGAIN')) return;
        // EIO: every slave is closed (the program and its children are gone); poll would report
        // the hang-up forever, so stop watching. The master stays open until `close`.
        if (!isErrno(e, 'EIO')) throw e;
        n = 0;
      }
      if (n === 0) {
        this.echo.end();
        this.stopWatching();
        return;
      }
      this.echo.push(this.buffer.toString('utf8', 0, n));
    }
  }

  private stopWatching(): void {
    if (this.watch === undefined) return;
    this.native.unwatch(this.watch);
    this.watch = undefined;
  }
}

function isErrno(e: unknown, code: string): boolean {
  return (e as NodeJS.ErrnoException | undefined)?.code === code;
}

/**
 * A terminal for a program, or none (with a warning) when the system has no pseudo-terminal to
 * give (descriptors or ptys exhausted): the program then runs with an empty pipe as stdin and
 * only its evdev nodes get keys, instead of the whole compositor failing to start.
 */
export function openProgramTerminal(
  native: NativeAddon,
  output: (line: string) => void,
  warn: (message: string) => void,
): ProgramTerminal | undefined {
  try {
    return new ProgramTerminal(native, output);
  } catch (e) {
    if (!(e instanceof KernelError)) throw e;
    warn(`no terminal, keys reach only its evdev nodes: ${e.message}`);
    return undefined;
  }
}
