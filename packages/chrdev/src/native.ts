import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** The server's addon (native/addon.cc): syscalls Node cannot make. Negative numbers are -errno. */
export interface NativeAddon {
  memfdAlloc(bytes: number): { buffer: SharedArrayBuffer; fd: number } | number;
  mapShared(fd: number, bytes: number): SharedArrayBuffer | number;
  listen(path: string): number;
  accept(fd: number): { fd: number; pid: number } | number;
  socketPair(): [number, number] | number;
  /** a pseudo-terminal: the master (non-blocking) and its slave, both close-on-exec */
  openPty(): { master: number; slave: number } | number;
  /** bytes received (0: the peer is gone); fds[0] = count of descriptors in fds[1..] */
  recv(fd: number, into: Uint8Array, fds: Int32Array): number;
  send(fd: number, bytes: Uint8Array, length: number, passFd: number): number;
  request(fd: number, bytes: Uint8Array, length: number, timeoutMs: number): number;
  close(fd: number): number;
  drainEventfd(fd: number): number;
  /** regions found; out[0] = walk end, then (start, end) pairs */
  pagemapScan(
    fd: number,
    start: number,
    end: number,
    take: boolean,
    maxPages: number,
    out: Float64Array,
  ): number;
  writeProtect(uffd: number, addr: number, length: number, protect: boolean): number;
  watch(fd: number, onReadable: () => void): unknown;
  /** a thread that scans for any written page, backing off from minMs to maxMs; armed at start */
  pollerStart(
    pagemapFd: number,
    start: number,
    end: number,
    minMs: number,
    maxMs: number,
    onWritten: () => void,
  ): unknown;
  /** polls again from minMs (after a take) */
  pollerArm(handle: unknown): void;
  pollerStop(handle: unknown): void;
  unwatch(handle: unknown): void;
}

const buildDir = fileURLToPath(new URL('../native/build/', import.meta.url));
/** The LD_PRELOAD library programs run with. */
export const PRELOAD_LIBRARY = `${buildDir}libfbemu-preload.so`;
const ADDON = `${buildDir}fbemu.node`;

let loaded: NativeAddon | null | undefined;

/** The addon, or undefined when it was not built (no compiler): real programs are refused then. */
export function loadNative(): NativeAddon | undefined {
  if (loaded === undefined) {
    loaded = null;
    if (existsSync(ADDON)) loaded = createRequire(import.meta.url)(ADDON) as NativeAddon;
  }
  return loaded ?? undefined;
}

/** Why real programs cannot be served, or undefined when they can. */
export function nativeMissing(): string | undefined {
  if (!existsSync(PRELOAD_LIBRARY) || loadNative() === undefined)
    return 'the native front door was not built (apt-get install gcc g++, then pnpm build)';
  return undefined;
}
