import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fstatSync } from 'node:fs';
import { loadNative } from '@fbemu/chrdev';
import { expect } from 'chai';
import { openProgramTerminal, ProgramTerminal } from './program-terminal.js';

/**
 * The program's terminal on a real pseudo-terminal (real time, waiting on the child's output and
 * exit). Needs the native addon.
 */
describe('ProgramTerminal', function () {
  this.timeout(20_000);
  const native = loadNative();
  if (!native) throw new Error('the native addon was not built');

  function run(terminal: ProgramTerminal, script: string) {
    // as ProgramProcess starts a program: the slave as stdin, a session of its own
    const child = spawn('python3', ['-c', script], {
      stdio: [terminal.slave, 'pipe', 'inherit'],
      detached: true,
    });
    terminal.spawned();
    const { stdout } = child;
    if (!stdout) throw new Error('no stdout pipe');
    let out = '';
    stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    const seen = (text: string) =>
      new Promise<void>((resolve) => {
        if (out.includes(text)) resolve();
        else stdout.on('data', () => out.includes(text) && resolve());
      });
    return { child, seen, output: () => out };
  }

  it('bytes written reach the program through the line discipline; its echo comes back as lines', async () => {
    const lines: string[] = [];
    const terminal = new ProgramTerminal(native, (l) => lines.push(l));
    // cooked mode: a line arrives on Enter (ICRNL turns the console's \r into \n), echoed
    const p = run(
      terminal,
      "import sys; print('ready', flush=True); print('got ' + sys.stdin.readline().strip(), flush=True)",
    );
    await p.seen('ready');
    expect(terminal.write(new TextEncoder().encode('hi\r'))).to.equal(true);
    await p.seen('got hi');
    await once(p.child, 'close');
    terminal.close();
    expect(lines).to.include('hi');
  });

  it('a program that does not read: writes are dropped and counted, nothing blocks', async () => {
    const terminal = new ProgramTerminal(native, () => {});
    const p = run(terminal, "import time, tty; tty.setraw(0); print('ready', flush=True); time.sleep(60)");
    await p.seen('ready');
    const chunk = new Uint8Array(1024).fill(0x61);
    let accepted = 0;
    for (let i = 0; i < 256; i++) if (terminal.write(chunk)) accepted++;
    expect(accepted).to.be.lessThan(256);
    expect(terminal.dropped).to.be.greaterThan(0);
    expect(terminal.dropped).to.be.at.most(256 * 1024 - accepted * 1024);
    terminal.close();
    expect(terminal.write(chunk)).to.equal(false);
    p.child.kill('SIGKILL');
    await once(p.child, 'close');
  });

  it('no pseudo-terminal to be had (EMFILE): no terminal and a warning, not an exception; a failed watch closes both ends', () => {
    const warnings: string[] = [];
    const exhausted = { ...native, openPty: () => -24 };
    expect(
      openProgramTerminal(
        exhausted,
        () => {},
        (w) => warnings.push(w),
      ),
    ).to.equal(undefined);
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.include('errno 24');
    let fds: { master: number; slave: number } | undefined;
    const unwatchable = {
      ...native,
      openPty: () => {
        const pty = native.openPty();
        if (typeof pty !== 'number') fds = pty;
        return pty;
      },
      watch: () => {
        throw new Error('watch failed');
      },
    };
    expect(() => new ProgramTerminal(unwatchable, () => {})).to.throw('watch failed');
    expect(fds).to.not.equal(undefined);
    for (const fd of [fds?.master, fds?.slave]) expect(() => fstatSync(fd as number)).to.throw(/EBADF/);
  });
});
