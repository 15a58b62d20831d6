import type { FbFile } from './tokens.js';

/**
 * An open file of /dev/fbN. Like a struct file it is referenced by its descriptor and by every
 * mapping made through it; the device's release runs when the last of those references goes.
 */
export class OpenFile implements FbFile {
  /** the descriptor plus one per live mapping */
  refs = 1;
  /** false once the descriptor was closed (release) */
  descriptorOpen = true;

  constructor(
    readonly id: number,
    readonly owner: object,
  ) {}
}
