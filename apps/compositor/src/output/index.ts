/** The compositor's outputs: RFB server (TCP + WebSocket), the noVNC viewer page, PNG snapshots. */
export { checkFrame, frameToRgba, MAX_FRAME_DIMENSION } from './frame.js';
export { checkBindAllowed, isLoopbackHost } from './loopback.js';
export { DEFAULT_PNG_OPTIONS, encodePng, PngOutput, type PngOutputOptions } from './png.js';
export { DEFAULT_RFB_OPTIONS, type RfbOptions, RfbServer, type RfbServerEvent } from './rfb/server.js';
export type { RfbInputEvent, SessionLimits } from './rfb/session.js';
export {
  type ByteTransport,
  socketTransport,
  type TransportSink,
  webSocketTransport,
} from './rfb/transport.js';
export * from './tokens.js';
export { DEFAULT_VIEWER_OPTIONS, type ViewerOptions, ViewerServer, WEBSOCKET_PATH } from './viewer/http.js';
