/** The PNG encoder's thread (see WorkerPngEncoder): one request in, its PNG bytes out. */
import { parentPort } from 'node:worker_threads';
import { type EncodeReply, type EncodeRequest, encodeXrgbPng } from './png-encoder.js';

const port = parentPort;
if (!port) throw new Error('png.worker runs as a worker thread');
port.on('message', ({ id, xrgb, width, height }: EncodeRequest) => {
  let reply: EncodeReply;
  try {
    reply = { id, bytes: encodeXrgbPng(xrgb, width, height) };
  } catch (e) {
    reply = { id, error: (e as Error).message };
  }
  port.postMessage(reply);
});
