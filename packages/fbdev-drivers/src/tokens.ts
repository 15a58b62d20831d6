import type { FbDeferredIoApi } from '@fbemu/fbdev-defio';
import type { DmaDriver } from './dma.js';
import type { EinkDriver } from './eink.js';
import type { FbtftDriver } from './fbtft.js';
import type { PvDriver } from './pv.js';
import type { UdlDriver } from './udl.js';

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
  /** updates given up on after `maxRetries` failed retries (each reported on `errors$`) */
  gaveUp: number;
}

/** Pacing shared by every driver. */
export interface PumpOptions {
  /** minimum time between the starts of two updates (fbtft's fps cap: 1000 / fps) */
  minIntervalMs?: number;
  /** wait after a failed update before trying again (default 100 ms) */
  retryMs?: number;
  /**
   * retries of a failed update before giving up (default 30: 3 s at the default retryMs): the pages stay pending, an EIO goes
   * to `errors$`, and the next batch or `refreshAll` tries again
   */
  maxRetries?: number;
}

/** Options of the fbtft (SPI/parallel MIPI DCS panel) driver. */
export interface FbtftOptions {
  /** update rate cap (fbtft's `fps`, default 20): at most one update per 1000/fps ms */
  fps?: number;
  /** 'always' sends the whole frame every update (panels without a usable window); default 'never' */
  fullRefresh?: 'never' | 'always';
  /** DCS windows per update, 1 = fbtft's single line range (default); above it, the bounding box */
  windows?: number;
  retryMs?: number;
  /** retries before giving up (see `PumpOptions.maxRetries`) */
  maxRetries?: number;
}

/** Options of the e-paper driver. */
export interface EinkOptions {
  /** grey depth sent to the controller: 1, 4 (default) or 8 bits */
  bits?: 1 | 4 | 8;
  /** every Nth refresh is a full one (clears ghosting); 0 = never; default 10 */
  fullEvery?: number;
  /** grey areas per refresh before they collapse to their bounding box (default 8) */
  maxAreas?: number;
  retryMs?: number;
  /** retries before giving up (see `PumpOptions.maxRetries`) */
  maxRetries?: number;
}

export interface EinkDriverStats {
  pagesChecked: number;
  /** dirty pages whose checksum had not changed: nothing was sent for them */
  pagesSkipped: number;
  partialRefreshes: number;
  fullRefreshes: number;
}

/** Options of the USB display driver. */
export interface UdlOptions {
  /** 'spans' (default): only pixels that differ from the backing copy; 'rows': whole dirty rows */
  mode?: 'spans' | 'rows';
  /** run-length compression of the pixel data (default true) */
  compress?: boolean;
  /** unchanged pixels between two spans below which they are merged (default 4) */
  mergeGap?: number;
  minIntervalMs?: number;
  retryMs?: number;
  /** retries before giving up (see `PumpOptions.maxRetries`) */
  maxRetries?: number;
}

export interface UdlDriverStats {
  /** dirty rows examined */
  rows: number;
  spans: number;
  /** command-stream bytes handed to the transport */
  bytes: number;
  /** what the examined rows cost as raw RGB565 (the "send whole rows uncompressed" figure) */
  rawBytes: number;
}

/** Options of the para-virtual ring driver. */
export interface PvOptions {
  /** the shared ring (`createPvRing`) */
  ring: SharedArrayBuffer;
  /** the event channel: tells the host there are events (e.g. `host.notify` or a postMessage) */
  notify: () => void;
  minIntervalMs?: number;
  retryMs?: number;
  /** retries before giving up (see `PumpOptions.maxRetries`) */
  maxRetries?: number;
}

/** A DMA engine that executes SG descriptor lists (`SG_DESC_WORDS` words per segment). */
export interface DmaTransferEngine {
  execute(table: Uint32Array, count: number, done: SendDone): void;
}

/** Options of the DMA scatter-gather driver. */
export interface DmaOptions {
  engine: DmaTransferEngine;
  /** where framebuffer byte 0 lands in device memory (default 0) */
  dstBase?: number;
  /** longest segment the engine moves per descriptor (default 1 MiB) */
  maxSegmentBytes?: number;
  /** most descriptors the engine takes per list (default `DMA_MAX_DESCRIPTORS`); longer lists go in chunks */
  maxDescriptors?: number;
  minIntervalMs?: number;
  retryMs?: number;
  /** retries before giving up (see `PumpOptions.maxRetries`) */
  maxRetries?: number;
}

/** Factories the module binds; each makes a driver for one framebuffer (scheduler injected). */
export type FbtftDriverFactory = (
  fb: FbDeferredIoApi,
  transport: ByteTransport,
  options?: FbtftOptions,
) => FbtftDriver;
export type EinkDriverFactory = (
  fb: FbDeferredIoApi,
  transport: ByteTransport,
  options?: EinkOptions,
) => EinkDriver;
export type UdlDriverFactory = (
  fb: FbDeferredIoApi,
  transport: ByteTransport,
  options?: UdlOptions,
) => UdlDriver;
export type PvDriverFactory = (fb: FbDeferredIoApi, options: PvOptions) => PvDriver;
export type DmaDriverFactory = (fb: FbDeferredIoApi, options: DmaOptions) => DmaDriver;

export const FBTFT_DRIVER_FACTORY: unique symbol = Symbol.for('fbemu.FbtftDriverFactory');
export const EINK_DRIVER_FACTORY: unique symbol = Symbol.for('fbemu.EinkDriverFactory');
export const UDL_DRIVER_FACTORY: unique symbol = Symbol.for('fbemu.UdlDriverFactory');
export const PV_DRIVER_FACTORY: unique symbol = Symbol.for('fbemu.PvDriverFactory');
export const DMA_DRIVER_FACTORY: unique symbol = Symbol.for('fbemu.DmaDriverFactory');
