/**
 * Kernel-style errors. Every public entry point of fbemu throws a `KernelError` whose `code`
 * is the kernel errno name (or `SIGBUS` for a fault the kernel would answer with a signal),
 * and leaves its state unchanged when it does.
 */
export const ERRNO = {
  EPERM: 1,
  ENOENT: 2,
  EIO: 5,
  ENXIO: 6,
  E2BIG: 7,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  ENODEV: 19,
  EINVAL: 22,
  ENOTTY: 25,
  EFBIG: 27,
  ENOSPC: 28,
  ESPIPE: 29,
  ERANGE: 34,
  ENOSYS: 38,
  EOVERFLOW: 75,
  EOPNOTSUPP: 95,
} as const;

export type ErrnoName = keyof typeof ERRNO;

/** Signal number of SIGBUS on Linux (x86, arm): what a bad fault delivers instead of an errno. */
export const SIGBUS = 7;

export type KernelErrorCode = ErrnoName | 'SIGBUS';

export class KernelError extends Error {
  /** errno number (positive), or the signal number for `SIGBUS` */
  readonly errno: number;

  constructor(
    readonly code: KernelErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
    this.name = 'KernelError';
    this.errno = code === 'SIGBUS' ? SIGBUS : ERRNO[code];
  }
}

/** Throws `code` unless `ok`; the one guard every validation in fbemu goes through. */
export function check(ok: boolean, code: KernelErrorCode, message: string): asserts ok {
  if (!ok) throw new KernelError(code, message);
}

export function isKernelError(e: unknown, code?: KernelErrorCode): e is KernelError {
  return e instanceof KernelError && (code === undefined || e.code === code);
}

/** A non-negative safe integer (sizes, offsets, counts). */
export function isCount(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

/** Validates a non-negative safe integer argument: EINVAL otherwise. */
export function checkCount(n: unknown, what: string): asserts n is number {
  check(isCount(n), 'EINVAL', `${what} must be a non-negative integer, got ${String(n)}`);
}

/** Validates an argument that must be an object (a struct argument, a device, a buffer): EINVAL for null, primitives. */
export function checkObject(v: unknown, what: string): asserts v is Record<string, unknown> {
  check(
    typeof v === 'object' && v !== null,
    'EINVAL',
    `${what} must be an object, got ${v === null ? 'null' : typeof v}`,
  );
}

/**
 * An optional options bag: `undefined` gives `{}`, anything but a non-null object is EINVAL.
 * Each field is then validated by the caller; a missing field means its default.
 */
export function optionsOf<T extends object>(v: T | undefined, what: string): Partial<T> {
  if (v === undefined) return {};
  checkObject(v, what);
  return v;
}

/** A field that must be `undefined` or pass `ok`: EINVAL otherwise (one message for every option). */
export function checkOptional(v: unknown, ok: (v: unknown) => boolean, what: string): void {
  if (v === undefined || ok(v)) return;
  throw new KernelError('EINVAL', `${what}: bad value ${describe(v)}`);
}

/** A value for an error message that never throws itself (no `toString` of foreign objects). */
function describe(v: unknown): string {
  if (typeof v === 'string') return `"${v}"`;
  return typeof v === 'object' || typeof v === 'function' ? (v === null ? 'null' : typeof v) : String(v);
}

/** A boolean flag (`setSuspended("no")` must not suspend): EINVAL unless `true` or `false`. */
export function checkBoolean(v: unknown, what: string): asserts v is boolean {
  if (typeof v !== 'boolean')
    throw new KernelError('EINVAL', `${what} must be a boolean, got ${describe(v)}`);
}
