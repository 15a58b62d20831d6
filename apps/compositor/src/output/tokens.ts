/**
 * The compositor's outputs: what they consume (a framebuffer, damage, resizes) and the tokens the
 * composition root binds them under. Outputs are a contribution point: bind any number of
 * `Output`s to `OUTPUTS` and inject them with `@multiInject(OUTPUTS)`.
 */
import type { Rect } from '@fbemu/drm-fb-helper';

/**
 * The composed desktop an output reads from: XRGB8888 words (`0x00RRGGBB`, little-endian in
 * memory), `stride` in pixels (≥ width). The fields are read live at send time, so the owner may
 * swap `pixels` on a resize and then call `Output.resize`.
 */
export interface FrameSource {
  readonly width: number;
  readonly height: number;
  readonly stride: number;
  readonly pixels: Uint32Array;
}

/** Counters an output reports for the live stats line; names are output-specific. */
export type OutputStats = Readonly<Record<string, number>>;

export interface Output {
  readonly name: string;
  /** Sets (or replaces) the framebuffer; must be called before `start`. */
  attach(fb: FrameSource): void;
  /** Starts serving (listening sockets, timers). */
  start(): Promise<void>;
  /** Pixels inside `rects` changed in the attached framebuffer (output coordinates). */
  damage(rects: Iterable<Rect>): void;
  /**
   * Optional: the attached framebuffer's pixels at `src` were copied to (dx, dy) — a plane moved.
   * Outputs that can say so cheaply (RFB CopyRect) implement it; the others get the destination
   * as damage instead.
   */
  copyRect?(src: Rect, dx: number, dy: number): void;
  /** The attached framebuffer now has this size (its fields already say so); everything is damaged. */
  resize(width: number, height: number): void;
  /** Stops serving and releases sockets and timers. */
  close(): Promise<void>;
  stats(): OutputStats;
}

/** Multi-inject contribution point: every bound `Output` receives the compositor's frames. */
export const OUTPUTS: unique symbol = Symbol.for('fbemu.compositor.Outputs');
/** `RfbOptions` for the RFB server. */
export const RFB_OPTIONS: unique symbol = Symbol.for('fbemu.compositor.RfbOptions');
/** The `RfbServer` itself (the viewer page and the compositor's `copyRect` need it by type). */
export const RFB_SERVER: unique symbol = Symbol.for('fbemu.compositor.RfbServer');
/** `ViewerOptions` for the HTTP page + WebSocket endpoint. */
export const VIEWER_OPTIONS: unique symbol = Symbol.for('fbemu.compositor.ViewerOptions');
/** `PngOutputOptions` for PNG snapshots. */
export const PNG_OPTIONS: unique symbol = Symbol.for('fbemu.compositor.PngOptions');
/** The `PngEncoder` the PNG output hands frames to (a worker thread by default). */
export const PNG_ENCODER: unique symbol = Symbol.for('fbemu.compositor.PngEncoder');
