/**
 * The USB display command stream (DisplayLink/SMSC style, paraphrased): each changed span of a
 * row is one command, its RGB565 pixels compressed as runs and literals.
 *   WRITE_SPAN 0xA1, y u16le, x u16le, count u16le, then packets until `count` pixels are covered:
 *     header h: n = (h & 0x7f) + 1 pixels (1..128);
 *       h & 0x80 → a run: one pixel (u16le) repeated n times;
 *       else     → a literal: n pixels (u16le each).
 * A packet may not run past the span; a span may not leave the screen.
 */
export const UDL_WRITE_SPAN = 0xa1;
export const UDL_SPAN_HEADER = 7;
export const UDL_RUN_FLAG = 0x80;
export const UDL_MAX_PACKET = 128;
