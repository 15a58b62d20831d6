/**
 * Checksum of framebuffer bytes `[off, off + len)` (metronomefb keeps one per page to skip
 * pages whose content did not change). Two FNV-1a style lanes over 32-bit words give 64 bits,
 * so an unchanged-looking page that did change (which would be skipped) is a 2^-64 event, not
 * the 2^-16 of the controller's 16-bit sum. `words` views the same memory as `bytes`.
 */
export function pageChecksum(
  bytes: Uint8Array,
  words: Int32Array | undefined,
  off: number,
  len: number,
  out: Uint32Array,
  at: number,
): void {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ len;
  let i = off;
  if (words && off % 4 === 0) {
    for (const end = off + (len & ~3); i < end; i += 4) {
      const v = words[i >> 2];
      a = Math.imul(a ^ v, 0x01000193);
      b = Math.imul(b ^ v, 0x5bd1e995) ^ (b >>> 15);
    }
  }
  for (; i < off + len; i++) {
    a = Math.imul(a ^ bytes[i], 0x01000193);
    b = Math.imul(b ^ bytes[i], 0x5bd1e995) ^ (b >>> 15);
  }
  out[at] = a;
  out[at + 1] = b;
}
