import { readFile } from 'node:fs/promises';
import { dirname, relative, resolve, sep } from 'node:path';

/**
 * A static `import … from '…'`, `export … from '…'` or `import '…'` with a relative specifier,
 * at the start of a statement (so commented-out code and prose in comments do not match).
 * Group 3 is the quoted specifier, quotes included.
 */
const RELATIVE_IMPORT =
  /(^|[;}]\s*|\n\s*)((?:import|export)\b[^;'"`]*?\bfrom\s*|import\s*)((['"])\.{1,2}\/[^'"\n]+\4)/g;

/** One module of the bundle: its source cut at each relative specifier, and what each cut imports. */
export interface BundledModule {
  /** path relative to the package root, with `/` separators (for `//# sourceURL`) */
  readonly path: string;
  /** the source with every relative specifier removed: `parts.length === deps.length + 1` */
  readonly parts: readonly string[];
  /** for each removed specifier, the index of the module it names (always a lower index) */
  readonly deps: readonly number[];
}

/**
 * The module graph reachable from `entry` (a file below `root`) through relative static imports,
 * dependencies first (the entry last). Throws on an import that leaves `root`, a missing file, or a
 * cycle (the browser-side linker below needs a dependency's URL before its importer is made).
 */
export async function moduleGraph(root: string, entry: string): Promise<BundledModule[]> {
  const out: BundledModule[] = [];
  const index = new Map<string, number>();
  const visiting = new Set<string>();

  async function visit(file: string): Promise<number> {
    const known = index.get(file);
    if (known !== undefined) return known;
    if (visiting.has(file)) throw new Error(`import cycle through ${relative(root, file)}`);
    if (!file.startsWith(root + sep)) throw new Error(`import outside ${root}: ${file}`);
    visiting.add(file);
    const source = await readFile(file, 'utf8');
    const parts: string[] = [];
    const deps: number[] = [];
    let last = 0;
    for (const m of source.matchAll(RELATIVE_IMPORT)) {
      const start = (m.index ?? 0) + m[1].length + m[2].length;
      parts.push(source.slice(last, start));
      deps.push(await visit(resolve(dirname(file), m[3].slice(1, -1))));
      last = start + m[3].length;
    }
    parts.push(source.slice(last));
    visiting.delete(file);
    index.set(file, out.length);
    out.push({ path: relative(root, file).split(sep).join('/'), parts, deps });
    return out.length - 1;
  }

  await visit(resolve(root, entry));
  return out;
}

/**
 * One script holding every module of the graph. In the browser it turns each module into a
 * `blob:` URL, dependencies first, writing the dependencies' blob URLs where the relative
 * specifiers were, then imports the entry: real ES modules (live bindings, top-level await, one
 * instance each) from one HTTP request instead of one per file. `main` runs after, with the
 * entry's namespace as `entry`.
 */
export function bundleScript(modules: readonly BundledModule[], sourcePrefix: string, main: string): string {
  const data = JSON.stringify(modules.map(({ path, parts, deps }) => ({ path, parts, deps })));
  return `// fbemu viewer: ${modules.length} ES modules linked in the browser from blob: URLs (see bundle.ts)
const modules = ${data};
const urls = [];
for (const m of modules) {
  let code = m.parts[0];
  m.deps.forEach((d, i) => { code += JSON.stringify(urls[d]) + m.parts[i + 1]; });
  code += '\\n//# sourceURL=' + ${JSON.stringify(sourcePrefix)} + m.path + '\\n';
  urls.push(URL.createObjectURL(new Blob([code], { type: 'text/javascript' })));
}
const entry = await import(urls[urls.length - 1]);
${main}
`;
}
