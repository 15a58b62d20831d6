import { type ByteWriter, readU32le } from './byte-writer.js';

/** MIPI DCS command numbers (include/video/mipi_display.h names, camelCased). */
export const MipiDcs = {
  /** MIPI_DCS_NOP */
  nop: 0x00,
  /** MIPI_DCS_SOFT_RESET */
  softReset: 0x01,
  /** MIPI_DCS_EXIT_SLEEP_MODE */
  exitSleepMode: 0x11,
  /** MIPI_DCS_SET_DISPLAY_ON */
  setDisplayOn: 0x29,
  /** MIPI_DCS_SET_COLUMN_ADDRESS (CASET) */
  setColumnAddress: 0x2a,
  /** MIPI_DCS_SET_PAGE_ADDRESS (RASET) */
  setPageAddress: 0x2b,
  /** MIPI_DCS_WRITE_MEMORY_START (RAMWR) */
  writeMemoryStart: 0x2c,
  /** MIPI_DCS_SET_PIXEL_FORMAT (COLMOD) */
  setPixelFormat: 0x3a,
  /** MIPI_DCS_WRITE_MEMORY_CONTINUE (RAMWRC) */
  writeMemoryContinue: 0x3c,
} as const;

/** COLMOD value for 16 bits per pixel on both interfaces (MIPI_DCS_PIXEL_FMT_16BIT, 0x55). */
export const COLMOD_RGB565 = 0x55;

/**
 * The DBI stream: what a MIPI DBI (type C, 4-wire SPI) bus carries, as a byte sink can hold it.
 * Each record is `command u8, length u32le, data[length]`; a bus drives D/C low for the command
 * byte and high for the data (`forEachDbiRecord` gives it the pieces). 5 bytes of framing per
 * command, independent of the pixel payload.
 */
export const DBI_RECORD_HEADER = 5;

/** Appends a command with its parameters. */
export function dbiCommand(w: ByteWriter, cmd: number, params: ArrayLike<number> = []): void {
  w.u8(cmd);
  w.u32le(params.length);
  const b = w.reserve(params.length);
  for (let i = 0; i < params.length; i++) b[w.length++] = params[i];
}

/** CASET/RASET: start and end (inclusive) as big-endian 16-bit parameters. */
export function dbiAddress(w: ByteWriter, cmd: number, start: number, endInclusive: number): void {
  w.u8(cmd);
  w.u32le(4);
  w.u16be(start);
  w.u16be(endInclusive);
}

/** Starts a command whose `length` data bytes the caller writes next (RAMWR pixel data). */
export function dbiDataHeader(w: ByteWriter, cmd: number, length: number): void {
  w.u8(cmd);
  w.u32le(length);
  w.reserve(length);
}

export type DbiRecordFn = (cmd: number, data: Uint8Array) => void;

/**
 * Walks a DBI stream. Untrusted input: never reads out of bounds, one pass per record, and
 * returns an error text for a truncated record (the records before it were delivered).
 */
export function forEachDbiRecord(stream: Uint8Array, fn: DbiRecordFn): string | undefined {
  let o = 0;
  while (o < stream.length) {
    if (stream.length - o < DBI_RECORD_HEADER) return `truncated record header at ${o}`;
    const cmd = stream[o];
    const len = readU32le(stream, o + 1);
    o += DBI_RECORD_HEADER;
    if (len > stream.length - o) return `record 0x${cmd.toString(16)} at ${o - 5} overruns the stream`;
    fn(cmd, stream.subarray(o, o + len));
    o += len;
  }
  return undefined;
}
