import { expect } from 'chai';
import { VirtualTimeScheduler } from 'rxjs';
import type { LogFields, Logger } from './log.js';
import { Shutdown } from './shutdown.js';

function setup() {
  const scheduler = new VirtualTimeScheduler();
  const logged: string[] = [];
  const entry =
    (level: string) =>
    (msg: string, f: LogFields = {}) => {
      logged.push(`${level} ${msg} ${JSON.stringify(f)}`);
    };
  const log: Logger = {
    debug: entry('debug'),
    info: entry('info'),
    warn: entry('warn'),
    error: entry('error'),
  };
  const exits: number[] = [];
  const shutdown = new Shutdown({ log, exit: (c) => exits.push(c), timeoutMs: 10_000, scheduler });
  let now = 0;
  const advance = (ms: number) => {
    now += ms;
    scheduler.maxFrames = now;
    scheduler.flush();
  };
  return { shutdown, exits, logged, advance };
}

describe('Shutdown', () => {
  it('the first signal asks for a stop; a stop that never ends is cut off at the deadline', async () => {
    const { shutdown, exits, logged, advance } = setup();
    shutdown.signal('SIGINT');
    expect(await shutdown.requested).to.equal('SIGINT');
    expect(logged[0]).to.match(/^info stopping .*"signal":"SIGINT"/);
    advance(9_999);
    expect(exits).to.deep.equal([]);
    advance(1);
    expect(exits).to.deep.equal([1]);
  });

  it('a second signal exits at once with 128 + its number', () => {
    const a = setup();
    a.shutdown.signal('SIGINT');
    a.shutdown.signal('SIGINT');
    expect(a.exits).to.deep.equal([130]);
    const b = setup();
    b.shutdown.signal('SIGTERM');
    b.shutdown.signal('SIGTERM');
    expect(b.exits).to.deep.equal([143]);
  });

  it('a signal while --duration is already stopping forces; repeated requests are one stop', async () => {
    const { shutdown, exits, advance } = setup();
    shutdown.request('duration');
    shutdown.request('start failed');
    expect(await shutdown.requested).to.equal('duration');
    shutdown.signal('SIGINT');
    expect(exits).to.deep.equal([130]);
    advance(10_000);
    expect(exits).to.deep.equal([130, 1]); // the real exit ends the process at the first one
  });
});
