import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { bundleScript, moduleGraph } from './bundle.js';

describe('viewer bundle: the module graph behind /viewer.js', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'fbemu-bundle-'));
    await mkdir(join(root, 'lib'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  const write = (files: Record<string, string>) =>
    Promise.all(Object.entries(files).map(([name, text]) => writeFile(join(root, name), text)));

  /** A module's source with each cut specifier shown as <path it names>. */
  const rejoin = (modules: Awaited<ReturnType<typeof moduleGraph>>, i: number) =>
    modules[i].parts.reduce((s, p, k) => `${s}<${modules[modules[i].deps[k - 1]].path}>${p}`);

  it('orders dependencies first, shares a module imported twice, cuts exactly the relative specifiers', async () => {
    await write({
      'main.js': [
        "import A, { b } from './lib/a.js';",
        'import {',
        '  c,',
        "} from './lib/c.js';",
        "export * from './lib/a.js';",
        "// import gone from './missing.js';",
        'const s = "import x from \'./not-code.js\'";',
        'export default A + b + c;',
      ].join('\n'),
      'lib/a.js': 'import { c } from "./c.js"; export default c; export const b = Array.from(\'ab\');',
      'lib/c.js': 'export let c = 1; await Promise.resolve(); c = 2;',
    });
    const modules = await moduleGraph(root, 'main.js');
    expect(modules.map((m) => m.path)).to.deep.equal(['lib/c.js', 'lib/a.js', 'main.js']);
    expect(modules[2].deps).to.deep.equal([1, 0, 1]);
    expect(rejoin(modules, 2)).to.include(
      'import A, { b } from <lib/a.js>;\nimport {\n  c,\n} from <lib/c.js>;',
    );
    expect(rejoin(modules, 2)).to.include("export * from <lib/a.js>;\n// import gone from './missing.js';");
    expect(rejoin(modules, 1)).to.equal(
      "import { c } from <lib/c.js>; export default c; export const b = Array.from('ab');",
    );
  });

  it('refuses a cycle, an import leaving the root and a missing file', async () => {
    await write({
      'x.js': "import './y.js';",
      'y.js': "import './x.js';",
      'out.js': "import '../elsewhere.js';",
    });
    for (const [entry, error] of [
      ['x.js', /import cycle through x\.js/],
      ['out.js', /import outside/],
      ['missing.js', /ENOENT/],
    ] as const) {
      let caught: unknown;
      await moduleGraph(root, entry).catch((e) => {
        caught = e;
      });
      expect(String(caught), entry).to.match(error);
    }
  });

  it('emits one script that links the modules from blob: URLs and runs the page code last', async () => {
    await write({ 'main.js': 'export default 1;' });
    const script = bundleScript(await moduleGraph(root, 'main.js'), '/novnc/', 'console.log(entry.default);');
    expect(script).to.include('URL.createObjectURL(new Blob([code]');
    expect(script.trimEnd().endsWith('console.log(entry.default);')).to.equal(true);
    expect(JSON.parse(/^const modules = (.*);$/m.exec(script)![1])).to.deep.equal([
      { path: 'main.js', parts: ['export default 1;'], deps: [] },
    ]);
  });
});
