import { check, KernelError } from './gem.js';

/**
 * Argument checks shared by main-thread and worker mappings. Callers test the fast condition
 * inline and come here only to throw the right error: EINVAL for a non-integer, EFAULT outside
 * the mapping (a bad user address), SIGBUS inside it but outside the framebuffer.
 */
export function rangeError(offset: unknown, length: unknown, mappingLength: number): KernelError {
  if (!isIndex(offset) || !isIndex(length)) {
    return new KernelError(
      'EINVAL',
      `offset ${String(offset)} / length ${String(length)} must be integers ≥ 0`,
    );
  }
  if (offset + length > mappingLength) {
    return new KernelError(
      'EFAULT',
      `[${offset}, ${offset + length}) is outside the ${mappingLength}-byte mapping`,
    );
  }
  return new KernelError('SIGBUS', `[${offset}, ${offset + length}) is not backed by the framebuffer`);
}

function isIndex(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

/** True when [offset, offset+length) is an integer range inside [0, limit). */
export function inRange(offset: number, length: number, limit: number): boolean {
  return (
    Number.isSafeInteger(offset) &&
    Number.isSafeInteger(length) &&
    offset >= 0 &&
    length >= 0 &&
    offset + length <= limit
  );
}

/** Validates a bulk-access range and the byte value of `fill`. */
export function checkFillByte(byte: unknown): asserts byte is number {
  check(
    typeof byte === 'number' && Number.isInteger(byte) && byte >= 0 && byte <= 255,
    'EINVAL',
    `fill byte ${String(byte)}`,
  );
}

export function checkBytes(bytes: unknown): asserts bytes is Uint8Array {
  check(bytes instanceof Uint8Array, 'EINVAL', 'write() needs a Uint8Array');
}

export function checkBody(body: unknown): asserts body is (view: Uint8Array) => void {
  check(typeof body === 'function', 'EINVAL', 'access() needs a function');
}
