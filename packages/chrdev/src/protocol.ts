/**
 * The wire format of native/fbemu-proto.h (keep the two in step): one SOCK_SEQPACKET message
 * per request, one reply each. Requests are untrusted bytes from a program.
 */
export const Op = {
  HELLO: 0,
  OPEN: 1,
  CLOSE: 2,
  DUP: 3,
  IOCTL: 4,
  READ: 5,
  WRITE: 6,
  LSEEK: 7,
  FSYNC: 8,
  MMAP: 9,
  MAPPED: 10,
  TRACKER: 11,
  MUNMAP: 12,
} as const;

/** Tracking modes on the wire. */
export const Mode = { UNTRACKED: 0, ASYNC: 1, SYNC: 2, MPROTECT: 3 } as const;
export const MODE_NAMES = ['untracked', 'async', 'sync', 'mprotect'] as const;

export const OPEN_NATIVE_READ = 1;
/** requests: op u32, handle u32, six u64 arguments; a path may follow */
export const REQUEST_BYTES = 56;
export const REPLY_BYTES = 32;
export const MAX_MESSAGE = REQUEST_BYTES + 4096;

/** Tracker requests (server → the program's tracker thread). */
export const TRK_MKCLEAN = 1;
export const TRK_REVOKE = 2;
/** state memfd layout of sync/mprotect mappings: word 0 = reported, bitmap from word 16 */
export const STATE_REPORTED = 0;
export const STATE_BITMAP = 16;

/** A decoded request; the arguments are read as exact integers where they fit (else NaN). */
export class Request {
  op = 0;
  handle = 0;
  readonly a = new Float64Array(6);
  /** the raw u64 arguments, for values that need all 64 bits (signed offsets) */
  readonly raw = new BigUint64Array(6);
  length = 0;

  constructor(readonly bytes: Uint8Array) {}

  /** false when the message is too short to be a request */
  decode(length: number): boolean {
    this.length = length;
    if (length < REQUEST_BYTES) return false;
    const view = new DataView(this.bytes.buffer, this.bytes.byteOffset, length);
    this.op = view.getUint32(0, true);
    this.handle = view.getUint32(4, true);
    for (let i = 0; i < 6; i++) {
      const v = view.getBigUint64(8 + 8 * i, true);
      this.raw[i] = v;
      this.a[i] = v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : Number.NaN;
    }
    return true;
  }

  /** argument i as a signed 64-bit value (lseek offsets), exact or NaN */
  signed(i: number): number {
    const v = BigInt.asIntN(64, this.raw[i]);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(v)
      : Number.NaN;
  }

  /** argument i is all ones (-1 from C): "no value" */
  isMinusOne(i: number): boolean {
    return this.raw[i] === 0xffffffffffffffffn;
  }

  /** the NUL-terminated string after the header (OPEN's path), or undefined */
  path(): string | undefined {
    const end = this.bytes.indexOf(0, REQUEST_BYTES);
    if (end < 0 || end >= this.length) return undefined;
    return Buffer.from(
      this.bytes.buffer,
      this.bytes.byteOffset + REQUEST_BYTES,
      end - REQUEST_BYTES,
    ).toString();
  }
}

/** Encodes a reply: ret (>= 0 or -errno) and up to three u64 values. */
export function encodeReply(into: Uint8Array, ret: number, a0 = 0, a1 = 0, a2 = 0): number {
  const view = new DataView(into.buffer, into.byteOffset, REPLY_BYTES);
  view.setBigInt64(0, BigInt(ret), true);
  view.setBigUint64(8, BigInt(a0), true);
  view.setBigUint64(16, BigInt(a1), true);
  view.setBigUint64(24, BigInt(a2), true);
  return REPLY_BYTES;
}
