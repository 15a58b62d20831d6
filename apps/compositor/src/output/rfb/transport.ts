import type { Socket } from 'node:net';
import type { RawData, WebSocket } from 'ws';

/** Where a transport delivers what it receives. */
export interface TransportSink {
  data(chunk: Uint8Array): void;
  closed(): void;
}

/**
 * The byte stream one RFB session runs over, so TCP and WebSocket share one protocol
 * implementation. `bufferedBytes` is what was written but not yet handed to the kernel: the
 * session's backpressure signal.
 */
export interface ByteTransport {
  readonly kind: 'tcp' | 'websocket';
  /** the peer as `address:port` (for logs) */
  readonly remote: string;
  /** the peer's address alone (per-address connection limits) */
  readonly address: string;
  readonly bufferedBytes: number;
  /** Starts delivering to `sink`; called once. */
  listen(sink: TransportSink): void;
  /** Queues `bytes`; `flushed` runs once they left the process (or the transport died). */
  write(bytes: Uint8Array, flushed: () => void): void;
  /** Ends the stream after what is queued, or at once if much is still queued (a slow or hostile peer). */
  close(reason: string): void;
  /** Drops the connection now. */
  destroy(): void;
  /** Stops delivering received bytes (the peer's kernel buffers fill: TCP flow control) until `resume`. */
  pause(): void;
  resume(): void;
}

/** Above this many queued bytes a close does not wait for them to drain. */
const GRACEFUL_CLOSE_LIMIT = 64 * 1024;

export function socketTransport(socket: Socket): ByteTransport {
  socket.setNoDelay(true);
  const address = socket.remoteAddress ?? 'unknown';
  return {
    kind: 'tcp',
    remote: `${address}:${socket.remotePort}`,
    address,
    get bufferedBytes() {
      return socket.writableLength;
    },
    listen(sink) {
      socket.on('data', (chunk: Buffer) => sink.data(chunk));
      socket.on('close', () => sink.closed());
      // 'close' follows every 'error'; the session only needs to learn that the stream ended.
      socket.on('error', () => {});
    },
    write(bytes, flushed) {
      if (socket.destroyed) flushed();
      else socket.write(bytes, () => flushed());
    },
    close() {
      if (socket.writableLength > GRACEFUL_CLOSE_LIMIT) socket.destroy();
      else socket.end();
    },
    destroy() {
      socket.destroy();
    },
    pause() {
      socket.pause();
    },
    resume() {
      socket.resume();
    },
  };
}

function rawToBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}

/** WebSocket close code 1008 (policy violation) for a peer that broke the protocol. */
const WS_POLICY_VIOLATION = 1008;

/** RFB inside binary WebSocket frames, as noVNC speaks it (no websockify framing). */
export function webSocketTransport(ws: WebSocket, address: string, port: number | undefined): ByteTransport {
  return {
    kind: 'websocket',
    remote: `${address}:${port}`,
    address,
    get bufferedBytes() {
      return ws.bufferedAmount;
    },
    listen(sink) {
      ws.on('message', (data: RawData) => sink.data(rawToBytes(data)));
      ws.on('close', () => sink.closed());
      ws.on('error', () => {});
    },
    write(bytes, flushed) {
      if (ws.readyState !== ws.OPEN) flushed();
      else ws.send(bytes, { binary: true }, () => flushed());
    },
    close(reason) {
      if (ws.bufferedAmount > GRACEFUL_CLOSE_LIMIT) ws.terminate();
      // close reasons are limited to 123 bytes
      else ws.close(WS_POLICY_VIOLATION, reason.slice(0, 120));
    },
    destroy() {
      ws.terminate();
    },
    pause() {
      ws.pause();
    },
    resume() {
      ws.resume();
    },
  };
}
