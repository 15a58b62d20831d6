/** The PNG encoder's thread (see WorkerPngEncoder): one request in, its PNG bytes out. */
import { parentPort } from 'node:worker_threads';
import { type EncodeReply, type EncodeRequest, encodeRgbaPng } from './png-encoder.js';

const port = parentPort;
if (!port) throw new Error('png.worker runs as a worker thread');
port.on('message', ({ id, rgba, width, height }: EncodeRequest) => {
  let reply: EncodeReply;
  try {
    reply = { id, bytes: encodeRgbaPng(rgba, width, height) };
  } catch (e) {
    reply = { id, error: (e as Error).message };
  }
  port.postMessage(reply);
});
