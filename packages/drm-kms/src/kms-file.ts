import type { ChrdevFile } from '@fbemu/chrdev';
import type { DrmFile } from '@fbemu/gem-shmem';
import type { DrmFramebuffer, FramebufferOwner } from './framebuffer.js';
import type { DrmBlob } from './mode-object.js';

/**
 * `struct drm_file`: one open of /dev/dri/cardN — its GEM handles, its framebuffers and blobs (newest
 * first, like the kernel's `list_add` onto `fbs`), master state and client caps.
 */
export class KmsFile implements FramebufferOwner {
  readonly fbs: DrmFramebuffer[] = [];
  /** property blobs it created (CREATEPROPBLOB), destroyed with it (`blobs`) */
  readonly blobs: DrmBlob[] = [];
  /** has (had) its own master (`is_master`) */
  isMaster = false;
  /** was master at some point (`was_master`): may SET/DROP_MASTER again without CAP_SYS_ADMIN */
  wasMaster = false;
  universalPlanes = false;
  stereoAllowed = false;
  aspectRatioAllowed = false;
  closed = false;

  constructor(
    readonly gem: DrmFile,
    readonly chrdev: ChrdevFile,
  ) {}

  /** drm_event delivery: one record the process reads from its descriptor. */
  queueEvent(bytes: Uint8Array): void {
    if (!this.closed) this.chrdev.queueRead(bytes);
  }
}
