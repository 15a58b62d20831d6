/** JPEG checks for the tests: decoding with ffmpeg (an independent decoder) and PSNR against the source. */
import { spawnSync } from 'node:child_process';

export interface DecodedJpeg {
  width: number;
  height: number;
  /** 0x00RRGGBB per pixel, rows packed */
  pixels: Uint32Array;
}

/** Decodes one JPEG file with ffmpeg's mjpeg decoder; the size is the one ffmpeg reports for the stream. */
export function ffmpegDecodeJpeg(data: Uint8Array): DecodedJpeg {
  const run = spawnSync(
    'ffmpeg',
    ['-hide_banner', '-f', 'jpeg_pipe', '-i', '-', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
    { input: data, maxBuffer: 1 << 28 },
  );
  if (run.error) throw new Error(`ffmpeg: ${run.error.message} (apt-get install ffmpeg)`);
  const log = run.stderr.toString();
  const size = /Stream #0:0: Video: mjpeg.*?, (\d+)x(\d+)/.exec(log);
  if (run.status !== 0 || size === null) throw new Error(`ffmpeg could not decode the JPEG:\n${log}`);
  const [width, height] = [Number(size[1]), Number(size[2])];
  const rgb = run.stdout;
  if (rgb.length !== width * height * 3)
    throw new Error(`ffmpeg gave ${rgb.length} bytes for ${width}×${height}`);
  const pixels = new Uint32Array(width * height);
  for (let i = 0; i < pixels.length; i++)
    pixels[i] = (rgb[3 * i] << 16) | (rgb[3 * i + 1] << 8) | rgb[3 * i + 2];
  return { width, height, pixels };
}

/** Peak signal-to-noise ratio over the R, G and B channels of two equally long pixel arrays, in dB. */
export function psnr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`${a.length} pixels against ${b.length}`);
  let se = 0;
  for (let i = 0; i < a.length; i++)
    for (let shift = 0; shift < 24; shift += 8) {
      const d = ((a[i] >>> shift) & 0xff) - ((b[i] >>> shift) & 0xff);
      se += d * d;
    }
  return se === 0 ? Infinity : 10 * Math.log10((255 * 255 * 3 * a.length) / se);
}
