/** Starts a viewer for tests the way the composition root would bind it. */
import { Container } from 'inversify';
import type { RfbServer } from '../rfb/server.js';
import { RFB_SERVER, VIEWER_OPTIONS } from '../tokens.js';
import { DEFAULT_VIEWER_OPTIONS, type ViewerOptions, ViewerServer } from './http.js';

export async function startViewer(
  rfb: RfbServer,
  options: Partial<ViewerOptions> = {},
): Promise<ViewerServer> {
  const c = new Container();
  c.bind(VIEWER_OPTIONS).toConstantValue({ ...DEFAULT_VIEWER_OPTIONS, port: 0, ...options });
  c.bind(RFB_SERVER).toConstantValue(rfb);
  c.bind(ViewerServer).toSelf().inSingletonScope();
  const viewer = c.get(ViewerServer);
  await viewer.start();
  return viewer;
}
