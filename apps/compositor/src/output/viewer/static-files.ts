import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, extname, resolve, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** The installed @novnc/novnc package directory (its `exports` is `./core/rfb.js`). */
export function noVncRoot(): string {
  return dirname(dirname(createRequire(import.meta.url).resolve('@novnc/novnc')));
}

/**
 * A file from `root` for a URL path below it, or undefined (404) for anything that is not a
 * regular file under `root`: `..` segments (even percent-encoded), percent-encoded separators
 * (`%2F`, `%5C`), backslashes, NUL bytes and unknown types.
 */
export async function readStatic(
  root: string,
  urlPath: string,
): Promise<{ body: Buffer; type: string } | undefined> {
  // A separator must be a separator: %2F and %5C would hide one from a check on the raw path.
  if (/%2f|%5c/i.test(urlPath)) return undefined;
  let rel: string;
  try {
    rel = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (rel.includes('\0') || rel.includes('\\') || rel.split('/').includes('..')) return undefined;
  const file = resolve(root, `.${rel.startsWith('/') ? '' : '/'}${rel}`);
  if (!file.startsWith(root + sep)) return undefined;
  const type = TYPES[extname(file)];
  if (type === undefined) return undefined;
  try {
    return { body: await readFile(file), type };
  } catch {
    return undefined;
  }
}
