import { check, checkObject } from '@fbemu/gem-shmem';

/**
 * The package's argument checks (EINVAL, state unchanged), shared by every public entry point
 * so `null`, `{}`, NaN, fractions and strings get the same answer everywhere. Options bags go
 * through gem-shmem's `optionsOf` / `checkOptional`.
 */

/** Panel sizes of the device models: 1…65535, the range of the protocols' 16-bit fields. */
export function checkPanelSize(width: unknown, height: unknown): void {
  const ok = (n: unknown) => typeof n === 'number' && Number.isSafeInteger(n) && n > 0 && n <= 0xffff;
  check(ok(width), 'EINVAL', `panel width ${String(width)}`);
  check(ok(height), 'EINVAL', `panel height ${String(height)}`);
}

/** `ByteTransport.send` arguments: a byte view and a completion callback. */
export function checkSend(bytes: unknown, done: unknown): void {
  check(bytes instanceof Uint8Array, 'EINVAL', 'send needs a Uint8Array');
  check(typeof done === 'function', 'EINVAL', 'send needs a completion callback');
}

/** A byte sink a driver sends through. */
export function checkTransport(transport: unknown): void {
  checkObject(transport, 'transport');
  check(typeof transport.send === 'function', 'EINVAL', 'transport has no send()');
}

/** What every driver is built on: a deferred-I/O framebuffer and a scheduler. */
export function checkDriverArgs(fb: unknown, scheduler: unknown): void {
  checkObject(fb, 'framebuffer');
  check(typeof fb.pagerefs$ === 'object' && fb.pagerefs$ !== null, 'EINVAL', 'framebuffer has no pagerefs$');
  checkObject(scheduler, 'scheduler');
  check(typeof scheduler.schedule === 'function', 'EINVAL', 'scheduler is not a SchedulerLike');
}

/** A shared ring or memory: only a `SharedArrayBuffer` can be shared with the other side. */
export function checkShared(buffer: unknown, what: string): asserts buffer is SharedArrayBuffer {
  check(buffer instanceof SharedArrayBuffer, 'EINVAL', `${what} must be a SharedArrayBuffer`);
}
