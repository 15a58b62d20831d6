import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { expect } from 'chai';
import { PNG } from 'pngjs';
import { DEFAULT_SCENE } from './config/scene-config.js';
import { Encoding } from './output/rfb/protocol.js';
import { RfbTestClient } from './output/rfb/test-client.js';

const MAIN = new URL('./main.js', import.meta.url).pathname;

/** Starts the CLI and resolves each awaited stdout pattern as soon as a line matches (no sleeps). */
function startCli(args: string[]) {
  const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const waiters: { re: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(line);
    for (const w of [...waiters]) {
      const m = line.match(w.re);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  });
  let stderr = '';
  child.stderr!.on('data', (d) => {
    stderr += d;
  });
  const errLines: string[] = [];
  const errWaiters: { re: RegExp; resolve: () => void }[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => {
    errLines.push(line);
    for (const w of [...errWaiters])
      if (w.re.test(line)) {
        errWaiters.splice(errWaiters.indexOf(w), 1);
        w.resolve();
      }
  });
  const waitForErr = (re: RegExp) =>
    new Promise<void>((resolve, reject) => {
      if (errLines.some((l) => re.test(l))) return resolve();
      errWaiters.push({ re, resolve });
      child.once('exit', (code) => reject(new Error(`exited ${code} before ${re} on stderr: ${stderr}`)));
    });
  const waitFor = (re: RegExp) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const hit = lines.map((l) => l.match(re)).find(Boolean);
      if (hit) return resolve(hit);
      waiters.push({ re, resolve });
      child.once('exit', (code) => reject(new Error(`exited ${code} before ${re}: ${stderr}`)));
    });
  return { child, lines, waitFor, waitForErr, stderr: () => stderr };
}

async function exitCode(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const [code] = await once(child, 'exit');
  return code as number | null;
}

describe('fbemu-compositor CLI (real time, end to end)', function () {
  this.timeout(60_000);

  it('serves the default scene over RFB with live updates, and Ctrl-C shuts down cleanly with a snapshot', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fbemu-cli-'));
    const snapshot = join(dir, 'last.png');
    const cli = startCli([
      '--rfb-port',
      '0',
      '--http-port',
      '0',
      '--png-interval',
      '0',
      '--snapshot',
      snapshot,
    ]);
    try {
      const [, port] = await cli.waitFor(/VNC \(RFB 3\.8\):\s+127\.0\.0\.1::(\d+)/);
      const [, url] = await cli.waitFor(/viewer \(noVNC\):\s+(http:\/\/127\.0\.0\.1:\d+\/)/);
      expect(url).to.match(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const vnc = await RfbTestClient.tcp(Number(port));
      await cli.waitForErr(/"msg":"viewer connected"/); // stderr is a pipe: JSON log lines
      const init = await vnc.handshake();
      expect([init.width, init.height]).to.deep.equal([
        DEFAULT_SCENE.output.width,
        DEFAULT_SCENE.output.height,
      ]);
      vnc.setEncodings([Encoding.CopyRect, Encoding.Raw]);
      vnc.requestUpdate(false);
      await vnc.readUpdate();
      const colours = new Set(vnc.screen);
      expect(colours.size).to.be.greaterThan(10); // the three clients drew something
      expect(vnc.screen[0] & 0xffffff).to.equal(DEFAULT_SCENE.output.background);
      vnc.requestUpdate(true);
      const live = await vnc.readUpdate(); // answered only when the animating clients damage something
      expect(live.length).to.be.greaterThan(0);
      // Ctrl+drag the console plane (the shadow client at 600,60; it takes input, so a plain press
      // would be its; it redraws about once a second) by its corner: the press raises it, then,
      // once this viewer is up to date, a move is a CopyRect. A redraw landing in between makes the
      // server send Raw instead, so a few attempts are allowed.
      vnc.keyEvent(true, 0xffe3); // Control_L
      let copied = false;
      for (let attempt = 1; attempt <= 20 && !copied; attempt++) {
        vnc.pointerEvent(1, 600 + attempt, 60 + attempt);
        vnc.requestUpdate(true);
        await vnc.readUpdate();
        vnc.pointerEvent(1, 601 + attempt, 61 + attempt);
        vnc.pointerEvent(0, 601 + attempt, 61 + attempt);
        vnc.requestUpdate(true);
        copied = (await vnc.readUpdate()).some((r) => r.encoding === Encoding.CopyRect);
      }
      vnc.keyEvent(false, 0xffe3);
      expect(copied, 'a plane drag reached the viewer as CopyRect').to.equal(true);
      const [stats] = await cli.waitFor(
        /^fps [\d.]+ \| damage [\d.]+ % \| .+ pages\/writeback \| .* ms \| viewers 1 [\d.]+ k?M?B\/s$/,
      );
      expect(stats).to.match(/write→output p50 [\d.]+ ms p99 [\d.]+ ms/);
      vnc.close();
      await cli.waitForErr(/"msg":"viewer disconnected"/);
      cli.child.kill('SIGINT');
      expect(await exitCode(cli.child)).to.equal(0);
      expect(cli.lines.some((l) => l.startsWith('snapshot written:'))).to.equal(true);
      const png = PNG.sync.read(readFileSync(snapshot));
      expect([png.width, png.height]).to.deep.equal([1280, 800]);
    } finally {
      if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
    }
  });

  it('a busy port is a clear error with exit code 1, not a crash', async () => {
    const blocker = createServer();
    blocker.listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const { port } = blocker.address() as AddressInfo;
    try {
      const cli = startCli(['--rfb-port', String(port), '--http-port', '0', '--png-interval', '0']);
      expect(await exitCode(cli.child)).to.equal(1);
      expect(cli.stderr()).to.match(
        new RegExp(
          `^fbemu-compositor: cannot listen on 127\\.0\\.0\\.1:${port} \\(--rfb-port\\): address in use, EADDRINUSE .*\n$`,
        ),
      );
      const http = startCli(['--rfb-port', '0', '--http-port', String(port), '--png-interval', '0']);
      expect(await exitCode(http.child)).to.equal(1);
      expect(http.stderr()).to.match(
        /^fbemu-compositor: cannot listen on .* \(--http-port\): address in use, EADDRINUSE .*\n$/,
      );
    } finally {
      blocker.close();
    }
  });

  it('refuses a bad config with every problem named and exit code 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fbemu-cli-'));
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ output: { width: 1 }, clients: [{ name: 'x', kind: 'nope' }] }));
    const cli = startCli(['--config', file, '--headless']);
    expect(await exitCode(cli.child)).to.equal(2);
    expect(cli.stderr()).to.contain('$.output.width');
    expect(cli.stderr()).to.contain('$.clients[0].kind');
  });

  describe('bad flags and config values: one line naming it, exit code 2, no stack trace', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fbemu-cli-'));
    const config = (name: string, json: unknown) => {
      const file = join(dir, `${name}.json`);
      writeFileSync(file, JSON.stringify(json));
      return file;
    };
    const offsetClient = { name: 'a', kind: 'shmem', width: 8, height: 8, offset: 2 ** 32 + 4097 };
    const cases: [string[], RegExp][] = [
      [['--duration', 'abc'], /^--duration: expected a number of seconds > 0 .*, got "abc"$/],
      [['--duration', '0'], /^--duration: expected a number of seconds > 0 .*, got "0"$/],
      [['--duration'], /^--duration: needs a value \(SECONDS\)$/],
      [['--rfb-port', 'abc'], /^--rfb-port: expected an integer in \[0, 65535\], got "abc"$/],
      [['--rfb-port', '70000'], /^--rfb-port: expected an integer in \[0, 65535\], got "70000"$/],
      [['--rfb-prot', '0'], /^--rfb-prot: unknown option \(did you mean --rfb-port\? see --help\)$/],
      [
        ['--log-level', 'loud'],
        /^--log-level: expected one of debug, info, warn, error, silent, got "loud"$/,
      ],
      [['--snapshot', 'no/such/dir/x.png'], /^--snapshot: the folder no\/such\/dir does not exist$/],
      [['--snapshot', tmpdir()], /^--snapshot: .* is a folder; give a file name$/],
      [['--png-dir', '/proc/version/frames'], /^--png-dir: \/proc\/version is not a folder$/],
      [
        ['--config', config('host', { rfb: { host: '0.0.0.0' } })],
        /^\S+host\.json: \$\.rfb\.host: "0\.0\.0\.0" is not a loopback address \(allowed: 127\.0\.0\.0\/8, ::1, localhost;/,
      ],
      [
        ['--config', config('offset', { clients: [offsetClient] })],
        /^\S+offset\.json: \$\.clients\[0\]\.offset: 4294971393 is not a multiple of pageSize \(4096\)/,
      ],
      [['--config', join(dir, 'missing.json')], /^--config: cannot read .*missing\.json \(ENOENT\)$/],
    ];
    for (const [args, line] of cases) {
      it(args.map((a) => a.replace(dir, 'DIR')).join(' '), async () => {
        const quiet = args.includes('--png-dir') ? ['--headless'] : ['--headless', '--png-interval', '0'];
        const cli = startCli([...args, ...quiet]);
        expect(await exitCode(cli.child)).to.equal(2);
        const lines = cli.stderr().split('\n').filter(Boolean);
        expect(lines, cli.stderr()).to.have.length(1);
        expect(lines[0]).to.match(/^fbemu-compositor: /);
        expect(lines[0].slice('fbemu-compositor: '.length)).to.match(line);
        expect(cli.lines).to.deep.equal([]); // refused before anything ran
      });
    }

    it('--debug adds the stack trace', async () => {
      const cli = startCli(['--config', config('host2', { rfb: { host: '0.0.0.0' } }), '--debug']);
      expect(await exitCode(cli.child)).to.equal(2);
      expect(cli.stderr()).to.match(/^fbemu-compositor: \S+host2\.json: \$\.rfb\.host: .*\n/);
      expect(cli.stderr()).to.match(/\n\s+at /);
    });
  });

  describe('stopping', () => {
    const quiet = ['--headless', '--png-interval', '0'];

    it('--duration with decimals ends the run by itself', async () => {
      const cli = startCli(['--duration', '1.5', ...quiet]);
      await cli.waitFor(/^ {2}stopping after 1\.5 s \(Ctrl-C stops sooner\)$/);
      expect(await exitCode(cli.child)).to.equal(0);
      expect(cli.lines.some((l) => /^final: ran [\d.]+ s, \d+ frames/.test(l))).to.equal(true);
    });

    it('SIGINT ends a run that has a long --duration', async () => {
      const cli = startCli(['--duration', '3600', ...quiet]);
      await cli.waitFor(/^ {2}stopping after 3600 s/);
      cli.child.kill('SIGINT');
      expect(await exitCode(cli.child)).to.equal(0);
      expect(cli.stderr()).to.match(/"signal":"SIGINT".*"msg":"stopping"/);
    });

    it('SIGTERM ends a run without --duration, and writes the snapshot', async () => {
      const snapshot = join(mkdtempSync(join(tmpdir(), 'fbemu-cli-')), 'last.png');
      const cli = startCli(['--snapshot', snapshot, ...quiet]);
      await cli.waitFor(/^ {2}Ctrl-C stops/);
      cli.child.kill('SIGTERM');
      expect(await exitCode(cli.child)).to.equal(0);
      expect(PNG.sync.read(readFileSync(snapshot)).width).to.equal(DEFAULT_SCENE.output.width);
    });
  });

  it('prints an IPv6 host as [::1]::PORT, where a VNC client connects', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fbemu-cli-'));
    const file = join(dir, 'v6.json');
    writeFileSync(file, JSON.stringify({ rfb: { host: '::1', port: 0 }, http: { host: '::1', port: 0 } }));
    const cli = startCli(['--config', file, '--png-interval', '0']);
    try {
      const [, port] = await cli.waitFor(
        /^ {2}VNC \(RFB 3\.8\):\s+\[::1\]::(\d+)\s+e\.g\. vncviewer \[::1\]::\d+$/,
      );
      await cli.waitFor(/^ {2}viewer \(noVNC\):\s+http:\/\/\[::1\]:\d+\/$/);
      const vnc = await RfbTestClient.tcp(Number(port), '::1');
      const init = await vnc.handshake();
      expect(init.width).to.equal(DEFAULT_SCENE.output.width);
      vnc.close();
      cli.child.kill('SIGINT');
      expect(await exitCode(cli.child)).to.equal(0);
    } finally {
      if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
    }
  });

  it('--help through a pipe: every flag with its default, no colour codes', async () => {
    const cli = startCli(['--help']);
    expect(await exitCode(cli.child)).to.equal(0);
    const text = cli.lines.join('\n');
    expect(text).not.to.contain(String.fromCharCode(0x1b)); // ESC starts every colour code
    expect(text).to.match(/^Usage: fbemu-compositor \[options\]$/m);
    expect(text).to.match(
      /^ {6}--rfb-port N +RFB \(VNC\) TCP port; 0 = any free port \[default: 5900, or \$\.rfb\.port\]$/m,
    );
    for (const flag of ['--config', '--duration', '--log-format', '--log-level', '--debug', '--version'])
      expect(text).to.contain(flag);
  });

  it('--version prints the package version', async () => {
    const cli = startCli(['--version']);
    expect(await exitCode(cli.child)).to.equal(0);
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    expect(cli.lines[0]).to.match(new RegExp(`^fbemu-compositor ${pkg.version.replaceAll('.', '\\.')} `));
  });

  it('--log-format pretty logs one readable line per event, not JSON', async () => {
    const cli = startCli([
      '--log-format',
      'pretty',
      '--duration',
      '0.5',
      '--headless',
      '--png-interval',
      '0',
    ]);
    expect(await exitCode(cli.child)).to.equal(0);
    expect(cli.stderr()).to.match(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}stopped why=duration$/m);
    expect(cli.stderr()).not.to.contain('{');
  });
});
