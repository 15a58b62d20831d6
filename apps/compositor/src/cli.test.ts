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
  const waitFor = (re: RegExp) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const hit = lines.map((l) => l.match(re)).find(Boolean);
      if (hit) return resolve(hit);
      waiters.push({ re, resolve });
      child.once('exit', (code) => reject(new Error(`exited ${code} before ${re}: ${stderr}`)));
    });
  return { child, lines, waitFor, stderr: () => stderr };
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
      // drag the console plane (the shadow client at 600,60; it redraws about once a second) by its
      // corner: the press raises it, then, once this viewer is up to date, a move is a CopyRect.
      // A redraw landing in between makes the server send Raw instead, so a few attempts are allowed.
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
      expect(copied, 'a plane drag reached the viewer as CopyRect').to.equal(true);
      await cli.waitFor(/^frames \d+/);
      vnc.close();
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
      expect(cli.stderr()).to.contain('EADDRINUSE');
      expect(cli.stderr()).to.contain('--rfb-port');
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
});
