/**
 * Public interfaces and tokens of @fbemu/fbdev-drivers: deferred-I/O consumers for real
 * displays (fbtft SPI panels, e-ink, USB, para-virtual rings, DMA) and their transports.
 */

/** Completion of one transfer: no argument when the device took it, an Error when it did not. */
export type SendDone = (error?: Error) => void;

/**
 * A byte sink towards a device (SPI bus, USB bulk endpoint, e-ink controller...). `bytes` is only
 * valid until `done` is called: drivers reuse their buffer for the next update, so a transport
 * that queues must copy. `done` may be called synchronously or later; after `done(error)` the
 * driver keeps the damage and sends it again.
 */
export interface ByteTransport {
  send(bytes: Uint8Array, done: SendDone): void;
}

/** Counters every driver keeps (ratios of these are what the benchmarks report). */
export interface DriverStats {
  /** writeback batches received */
  batches: number;
  /** updates the device took */
  updates: number;
  /** updates that failed (device error, busy, stalled ring) and were queued again */
  failures: number;
  /** pages covered by successful updates */
  pagesSent: number;
}

/** Pacing shared by every driver. */
export interface PumpOptions {
  /** minimum time between the starts of two updates (fbtft's fps cap: 1000 / fps) */
  minIntervalMs?: number;
  /** wait after a failed update before trying again (default 100 ms) */
  retryMs?: number;
}
