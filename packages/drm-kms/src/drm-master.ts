import { check } from '@fbemu/gem-shmem';
import type { KmsFile } from './kms-file.js';

/**
 * `drm_auth.c`'s master rules for one device: the first opener while there is no master becomes
 * master; SET/DROP_MASTER need a former master or CAP_SYS_ADMIN (`privileged`); closing the
 * master frees it.
 */
export class DrmMaster {
  private current: KmsFile | undefined;

  constructor(private readonly privileged: boolean) {}

  /** `drm_is_current_master` */
  isCurrent(file: KmsFile): boolean {
    return file.isMaster && this.current === file;
  }

  /** `dev->master` is set */
  get held(): boolean {
    return this.current !== undefined;
  }

  /** `drm_master_open` */
  open(file: KmsFile): void {
    if (!this.current) this.become(file);
  }

  /** `drm_master_release` */
  release(file: KmsFile): void {
    if (this.isCurrent(file)) this.current = undefined;
  }

  /** `drm_setmaster_ioctl`: no-op if already master, EBUSY if another file is. */
  set(file: KmsFile): void {
    this.checkPerm(file);
    if (this.isCurrent(file)) return;
    check(this.current === undefined, 'EBUSY', 'another file is master');
    this.become(file);
  }

  /** `drm_dropmaster_ioctl`: EINVAL unless this file is the current master. */
  drop(file: KmsFile): void {
    this.checkPerm(file);
    check(this.isCurrent(file), 'EINVAL', 'this file is not the current master');
    this.current = undefined;
  }

  /** `drm_master_check_perm`: a former master (the kernel also wants the same process) or CAP_SYS_ADMIN. */
  private checkPerm(file: KmsFile): void {
    if (file.wasMaster) return;
    check(this.privileged, 'EACCES', 'SET/DROP_MASTER needs CAP_SYS_ADMIN or a former master');
  }

  private become(file: KmsFile): void {
    file.isMaster = true;
    file.wasMaster = true;
    this.current = file;
  }
}
