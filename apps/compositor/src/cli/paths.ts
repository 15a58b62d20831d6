import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { UsageError } from './flags.js';

async function kind(path: string): Promise<'file' | 'dir' | 'other' | undefined> {
  try {
    const s = await stat(path);
    return s.isDirectory() ? 'dir' : s.isFile() ? 'file' : 'other';
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined; // ENOTDIR: a file above it
    throw new UsageError(`cannot look at ${path} (${code ?? (e as Error).message})`);
  }
}

async function writable(path: string): Promise<boolean> {
  return access(path, constants.W_OK).then(
    () => true,
    () => false,
  );
}

/**
 * `--snapshot FILE` is written at exit, after the whole run: check now that it can be (its folder
 * exists and is writable, it is not a folder itself), instead of losing the frame at the end.
 */
export async function checkOutputFile(file: string, label: string): Promise<void> {
  const abs = resolve(file);
  const k = await kind(abs);
  if (k === 'dir') throw new UsageError(`${label}: ${file} is a folder; give a file name`);
  if (k !== undefined && !(await writable(abs))) throw new UsageError(`${label}: ${file} is not writable`);
  const dir = dirname(abs);
  const d = await kind(dir);
  if (d === undefined) throw new UsageError(`${label}: the folder ${dirname(file)} does not exist`);
  if (d !== 'dir') throw new UsageError(`${label}: ${dirname(file)} is not a folder`);
  if (!(await writable(dir))) throw new UsageError(`${label}: the folder ${dirname(file)} is not writable`);
}

/** A folder the run creates if missing: it, or its nearest existing ancestor, must be a writable folder. */
export async function checkOutputDir(dir: string, label: string): Promise<void> {
  let at = resolve(dir);
  for (;;) {
    const k = await kind(at);
    if (k === 'dir') {
      if (await writable(at)) return;
      throw new UsageError(
        `${label}: ${at === resolve(dir) ? dir : `${at} (to create ${dir} in)`} is not writable`,
      );
    }
    if (k !== undefined) throw new UsageError(`${label}: ${at} is not a folder`);
    const up = dirname(at);
    if (up === at) throw new UsageError(`${label}: no existing folder above ${dir}`);
    at = up;
  }
}
