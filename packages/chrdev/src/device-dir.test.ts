import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { PRELOAD_LIBRARY } from './native.js';

/** Runs a coreutils program with (or without) the preload and a registered node; stdout + exit code. */
function run(node: string, args: string[], preload = true): { out: string; status: number | null } {
  const env = {
    ...process.env,
    FBEMU_DEVICES: `${node}=226:0`,
    ...(preload ? { LD_PRELOAD: PRELOAD_LIBRARY } : {}),
  };
  const r = spawnSync(args[0], args.slice(1), { env, encoding: 'utf8' });
  return { out: r.stdout.trim(), status: r.status };
}

/**
 * libdrm stats /dev/dri before it opens /dev/dri/cardN: the preload makes a registered node's
 * missing directory answer stat/statx/access as a directory, and leaves existing ones alone.
 */
describe('the directory of a registered node (preload)', () => {
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'fbemu-dir-'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('a missing directory is a directory (stat, statx, access), with or without a trailing slash', () => {
    const dir = join(root, 'missing', 'dri');
    const node = join(dir, 'card0');
    expect(run(node, ['stat', '-c', '%F', dir], false).status).to.not.equal(0); // really missing
    expect(run(node, ['stat', '-c', '%F %a', dir]).out).to.equal('directory 755');
    expect(run(node, ['stat', '-c', '%F', `${dir}/`]).out).to.equal('directory');
    expect(run(node, ['test', '-d', dir, '-a', '-r', dir, '-a', '-x', dir]).status).to.equal(0);
    expect(run(node, ['stat', '-c', '%F %t:%T', node]).out).to.equal('character special file e2:0');
  });

  it('other missing paths stay missing: the grandparent, siblings, prefixes', () => {
    const dir = join(root, 'missing', 'dri');
    const node = join(dir, 'card0');
    for (const p of [join(root, 'missing'), join(dir, 'card1'), `${dir.slice(0, -1)}`, `${dir}x`])
      expect(run(node, ['test', '-e', p]).status, p).to.equal(1);
  });

  it('an existing directory answers as itself', () => {
    const dir = join(root, 'real');
    mkdirSync(dir, { mode: 0o700 });
    expect(run(join(dir, 'card0'), ['stat', '-c', '%F %a', dir]).out).to.equal('directory 700');
  });
});
