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
