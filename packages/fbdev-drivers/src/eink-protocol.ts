import type { ByteWriter } from './byte-writer.js';
import type { GreyBits } from './grey.js';

/**
 * The e-paper controller command set (Metronome/Broadsheet style, paraphrased): load packed grey
 * pixels into the controller's image buffer, then one refresh runs a waveform over the panel.
 *   LOAD_AREA  0x20, x u16le, y u16le, w u16le, h u16le, bits u8, h rows of ceil(w·bits/8) bytes
 *   REFRESH    0x30, mode u8 (0 partial: fast, ghosts; 1 full: slow, flashes, clears ghosting)
 * REFRESH must be the last command of a transfer: the controller is busy until its waveform ends.
 */
export const EinkOp = { loadArea: 0x20, refresh: 0x30 } as const;
export const EINK_LOAD_HEADER = 10;
export const EINK_REFRESH_LENGTH = 2;

export type RefreshMode = 'partial' | 'full';

/** Writes a LOAD_AREA header; the caller appends `h` packed rows. */
export function einkLoadHeader(
  w: ByteWriter,
  x: number,
  y: number,
  width: number,
  height: number,
  bits: GreyBits,
): void {
  w.u8(EinkOp.loadArea);
  w.u16le(x);
  w.u16le(y);
  w.u16le(width);
  w.u16le(height);
  w.u8(bits);
}

export function einkRefresh(w: ByteWriter, mode: RefreshMode): void {
  w.u8(EinkOp.refresh);
  w.u8(mode === 'full' ? 1 : 0);
}
