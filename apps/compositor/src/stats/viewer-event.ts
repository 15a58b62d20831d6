/**
 * What the console logs about viewers: a connection, its end, or a refusal, each with a reason.
 * The RFB server's `events$` carries these (and input events, which are not logged); a server
 * that learns more reasons (security type refused, authentication failed, origin refused) only
 * needs to emit more events of these three shapes — structural typing keeps this side unchanged.
 */
export type ViewerEvent =
  | { type: 'connected'; session: number; transport: string; remote: string }
  | { type: 'disconnected'; session: number; reason: string }
  | { type: 'refused'; transport: string; remote: string; reason: string };

const VIEWER_EVENT_TYPES: ReadonlySet<string> = new Set(['connected', 'disconnected', 'refused']);

export function isViewerEvent(e: { type: string }): e is ViewerEvent {
  return VIEWER_EVENT_TYPES.has(e.type);
}
