import { mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { ViewerEvent } from '../stats/viewer-event.js';
import {
  createLogger,
  formatPretty,
  type LogFormat,
  type LogLevel,
  logViewerEvent,
  StatusLine,
} from './log.js';

/** A logger writing to a temp file; returns the lines written. */
function capture(level: LogLevel, format: LogFormat, write: (log: ReturnType<typeof createLogger>) => void) {
  const file = join(mkdtempSync(join(tmpdir(), 'fbemu-log-')), 'log');
  const fd = openSync(file, 'w');
  write(createLogger({ level, format, fd }));
  return readFileSync(file, 'utf8').split('\n').filter(Boolean);
}

/** Enough of a WriteStream for StatusLine. */
function fakeTerminal(isTTY: boolean) {
  const chunks: string[] = [];
  const out = { isTTY, write: (s: string) => chunks.push(s) > 0 } as unknown as NodeJS.WriteStream;
  return { out, text: () => chunks.join('') };
}

describe('CLI logs', () => {
  const viewerEvents: ViewerEvent[] = [
    { type: 'connected', session: 1, transport: 'tcp', remote: '127.0.0.1:40000' },
    {
      type: 'refused',
      transport: 'websocket',
      remote: '127.0.0.1:40001',
      reason: 'too many clients (max 16)',
    },
    { type: 'disconnected', session: 1, reason: 'client closed' },
  ];

  it('pretty: time, level, message, key=value (quoted when needed); levels filter', () => {
    const at = new Date(2026, 0, 2, 3, 4, 5, 6);
    expect(
      formatPretty('warn', 'viewer refused', { remote: '::1', reason: 'bad origin', n: 2, x: undefined }, at),
    ).to.equal('03:04:05.006 WARN  viewer refused remote=::1 reason="bad origin" n=2');
    const lines = capture('info', 'pretty', (log) => {
      log.debug('hidden');
      for (const e of viewerEvents) logViewerEvent(log, e);
    });
    expect(lines.map((l) => l.slice(13))).to.deep.equal([
      'INFO  viewer connected session=1 transport=tcp remote=127.0.0.1:40000',
      'WARN  viewer refused transport=websocket remote=127.0.0.1:40001 reason="too many clients (max 16)"',
      'INFO  viewer disconnected session=1 reason="client closed"',
    ]);
  });

  it('json: one pino object per line with the event fields', () => {
    const lines = capture('warn', 'json', (log) => {
      for (const e of viewerEvents) logViewerEvent(log, e);
    });
    expect(lines).to.have.length(1);
    expect(JSON.parse(lines[0])).to.deep.include({
      level: 40,
      name: 'fbemu',
      msg: 'viewer refused',
      transport: 'websocket',
      reason: 'too many clients (max 16)',
    });
  });

  it('the status line redraws in place on a terminal and stays out of the way of log lines', () => {
    const t = fakeTerminal(true);
    const status = new StatusLine(t.out, true);
    status.show('fps 1');
    status.above(() => t.out.write('log line\n'));
    status.show('fps 2');
    status.done();
    expect(t.text()).to.equal('\r\x1b[2Kfps 1\r\x1b[2Klog line\nfps 1\r\x1b[2Kfps 2\n');
  });

  it('off a terminal the status is one plain line per update', () => {
    const t = fakeTerminal(false);
    const status = new StatusLine(t.out, false);
    status.show('fps 1');
    status.above(() => t.out.write('log line\n'));
    status.show('fps 2');
    status.done();
    expect(t.text()).to.equal('fps 1\nlog line\nfps 2\n');
  });
});
