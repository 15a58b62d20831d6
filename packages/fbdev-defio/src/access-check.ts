import { check, KernelError } from './gem.js';

/**
 * Argument checks shared by main-thread and worker mappings. Callers test the fast condition
 * inline and come here only to build the right error: EINVAL for a non-integer offset or a bad
 * length, EFAULT outside the mapping (a bad user address), SIGBUS inside the mapping but outside
 * the framebuffer.
 */
export function rangeError(offset: unknown, length: unknown, mappingLength: number): KernelError {
  if (typeof offset !== 'number' || typeof length !== 'number') return invalid(offset, length);
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || length < 0)
    return invalid(offset, length);
  const range = `[${offset}, ${offset + length})`;
  if (offset < 0 || offset + length > mappingLength) {
    return new KernelError('EFAULT', `${range} is outside the ${mappingLength}-byte mapping`);
  }
  return new KernelError('SIGBUS', `${range} is not backed by the framebuffer`);
}

function invalid(offset: unknown, length: unknown): KernelError {
  return new KernelError('EINVAL', `offset ${String(offset)} / length ${String(length)} must be integers`);
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

/** Validates the byte value of `fill`. */
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
