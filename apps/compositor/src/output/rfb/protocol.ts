/**
 * RFB (RFC 6143) wire constants: message types, encodings and security types the server speaks.
 * Only what this server implements or must recognise is listed.
 */

/** Client → server message types (RFC 6143 §7.5). */
export const ClientMsg = {
  SetPixelFormat: 0,
  SetEncodings: 2,
  FramebufferUpdateRequest: 3,
  KeyEvent: 4,
  PointerEvent: 5,
  ClientCutText: 6,
} as const;

/** Server → client message types (RFC 6143 §7.6). */
export const ServerMsg = {
  FramebufferUpdate: 0,
} as const;

/** Encodings and pseudo-encodings (RFC 6143 §7.7, §7.8). */
export const Encoding = {
  Raw: 0,
  CopyRect: 1,
  Hextile: 5,
  Tight: 7,
  ZRLE: 16,
  /** pseudo-encoding: the framebuffer changed size */
  DesktopSize: -223,
  /** pseudo-encodings -256..-247: compression level 0..9 */
  CompressLevel0: -256,
  /** pseudo-encodings -32..-23: JPEG quality level 0..9 */
  QualityLevel0: -32,
} as const;

export const SecurityType = { Invalid: 0, None: 1 } as const;

/** The version the server offers; clients answer with theirs (3.3, 3.7 or 3.8). */
export const SERVER_VERSION = 'RFB 003.008\n';

/** Fixed sizes of client messages, type byte included (RFC 6143 §7.5). */
export const MsgSize = {
  SetPixelFormat: 20,
  SetEncodingsHeader: 4,
  FramebufferUpdateRequest: 10,
  KeyEvent: 8,
  PointerEvent: 6,
  ClientCutTextHeader: 8,
} as const;

/** FramebufferUpdate header (type, padding, rect count) and per-rect header sizes. */
export const UPDATE_HEADER_BYTES = 4;
export const RECT_HEADER_BYTES = 12;
/** Rect coordinates and the rect count are U16 on the wire. */
export const MAX_U16 = 0xffff;
