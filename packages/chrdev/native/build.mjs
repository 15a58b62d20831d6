// Builds the front door's native parts with the system compiler (no node-gyp, no download):
// build/libfbemu-preload.so (LD_PRELOAD into programs) and build/fbemu.node (the server's addon).
// Run by the root `build` script before `tsc -b`; rebuilds only what is older than its sources.
// Without a compiler it prints one line and succeeds: fbemu runs, real programs are refused.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, 'build');
const flags = ['-Wall', '-Wextra', '-Werror', '-O2', '-fPIC', '-shared'];
const targets = [
  {
    output: 'libfbemu-preload.so',
    compiler: 'cc',
    sources: ['preload.c', 'fbemu-proto.h'],
    args: [...flags, '-fvisibility=hidden', 'preload.c', '-ldl', '-lpthread'],
  },
  {
    output: 'fbemu.node',
    compiler: 'c++',
    sources: ['addon.cc'],
    args: [...flags, '-std=c++17', '-isystem', '/usr/include/node', 'addon.cc'],
  },
];

const missing = targets.filter((t) => spawnSync(t.compiler, ['--version']).status !== 0);
if (missing.length > 0) {
  console.log(
    `chrdev: no ${missing.map((t) => t.compiler).join('/')} found, real programs cannot use fbemu's devices: apt-get install gcc g++`,
  );
  process.exit(0);
}
if (!existsSync('/usr/include/node/node_api.h'))
  console.log('chrdev: /usr/include/node is missing (Debian nodejs headers): apt-get install libnode-dev');
mkdirSync(out, { recursive: true });
for (const t of targets) {
  if (t.output.endsWith('.node') && !existsSync('/usr/include/node/node_api.h')) continue;
  const target = join(out, t.output);
  const built = existsSync(target) ? statSync(target).mtimeMs : 0;
  if (t.sources.every((s) => statSync(join(here, s)).mtimeMs < built)) continue;
  execFileSync(t.compiler, [...t.args, '-o', target], { cwd: here, stdio: 'inherit' });
}
