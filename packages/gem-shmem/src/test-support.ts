import type { KernelError } from './errors.js';

/** The errno name a call throws, or 'ok': lets a test assert a code and then the unchanged state. */
export function codeOf(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (e) {
    return (e as KernelError).code;
  }
}
