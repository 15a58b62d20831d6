import { expect } from 'chai';
import { LOG_BURST, MAX_OUTPUT_LINE } from './output-lines.js';
import { ProgramProcess } from './program-process.js';

/** A real program's output in the log (real time, waiting on its exit). */
describe('ProgramProcess output', function () {
  this.timeout(20_000);

  it('output without newlines (raw bytes to stdout) is logged in bounded pieces, all of it, and the exit after it', async () => {
    const lines: { msg: string; stream: unknown }[] = [];
    const log = {
      info: (msg: string, f?: Record<string, unknown>) => lines.push({ msg, stream: f?.stream }),
      warn: (msg: string, f?: Record<string, unknown>) => lines.push({ msg, stream: f?.stream }),
    };
    const bytes = 300_000;
    const p = new ProgramProcess('zero', ['head', '-c', String(bytes), '/dev/zero'], {}, log);
    expect(await p.exited).to.deep.include({ code: 0 });
    const out = lines.filter((l) => l.stream === 'stdout');
    expect(out.reduce((n, l) => n + l.msg.length, 0)).to.equal(bytes);
    expect(Math.max(...out.map((l) => l.msg.length))).to.equal(MAX_OUTPUT_LINE);
    expect(lines.at(-1)?.msg).to.equal('program ended');
  });

  it("the exit line names the command (a client's alsoRun programs share its name)", async () => {
    const ended: unknown[] = [];
    const log = {
      info: () => {},
      warn: (msg: string, f?: Record<string, unknown>) => ended.push({ msg, ...f }),
    };
    await new ProgramProcess('p', ['/nonexistent/program', 'x'], {}, log).exited;
    expect(ended).to.have.length(1);
    expect(ended[0]).to.deep.include({
      msg: 'program ended',
      program: 'p',
      command: '/nonexistent/program x',
    });
  });

  it('past LOG_BURST lines in a window the rest are counted, and the count is logged before the exit', async () => {
    const lines: { msg: string; stream: unknown; dropped: unknown }[] = [];
    const record = (msg: string, f?: Record<string, unknown>) =>
      lines.push({ msg, stream: f?.stream, dropped: f?.dropped });
    const p = new ProgramProcess('seq', ['seq', String(LOG_BURST + 500)], {}, { info: record, warn: record });
    await p.exited;
    const out = lines.filter((l) => l.stream === 'stdout');
    expect(out.slice(0, 2).map((l) => l.msg)).to.deep.equal(['1', '2']);
    expect(out.at(-1)).to.deep.include({ msg: 'output lines not logged (rate limit)', dropped: 500 });
    expect(out).to.have.length(LOG_BURST + 1);
    expect(lines.at(-1)?.msg).to.equal('program ended');
  });
});
