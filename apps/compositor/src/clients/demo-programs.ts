import type { Painter } from './painter.js';

/** What a demo client draws each frame; `t` counts frames from 0. */
export type DemoProgram = (p: Painter, t: number) => void;

function hsv(h: number, s: number, v: number): number {
  const f = (n: number) => {
    const k = (n + h / 60) % 6;
    return Math.round(255 * (v - v * s * Math.max(0, Math.min(k, 4 - k, 1))));
  };
  return (0xff000000 | (f(5) << 16) | (f(3) << 8) | f(1)) >>> 0;
}

/** A bouncing square over still colour bands, plus a hue bar: a few small damaged areas per frame. */
export const bouncer: DemoProgram = (p, t) => {
  const { width, height } = p.fb;
  const size = Math.max(8, Math.floor(Math.min(width, height) / 6));
  const bands = 8;
  const bandColour = (i: number) => hsv((i * 360) / bands, 0.35, 0.45);
  const pos = (k: number) => {
    const span = (n: number) => Math.max(1, n - size);
    const bounce = (v: number, n: number) => (Math.floor(v / n) % 2 === 0 ? v % n : n - (v % n));
    return [bounce(k * 5, span(width)), bounce(k * 3, span(height - 12))];
  };
  const bandsUnder = (x: number, y: number) => {
    for (let i = 0; i < bands; i++) {
      const bx = Math.floor((i * width) / bands);
      const bw = Math.floor(((i + 1) * width) / bands) - bx;
      p.fillRect(Math.max(bx, x), y, Math.min(bx + bw, x + size) - Math.max(bx, x), size, bandColour(i));
    }
  };
  if (t === 0)
    for (let i = 0; i < bands; i++)
      p.fillRect(Math.floor((i * width) / bands), 0, Math.ceil(width / bands), height, bandColour(i));
  else bandsUnder(...(pos(t - 1) as [number, number]));
  const [x, y] = pos(t);
  p.fillRect(x, y, size, size, hsv((t * 7) % 360, 0.9, 1));
  p.fillRect((t * 4) % width, height - 10, 4, 10, hsv((t * 11) % 360, 1, 1));
};

/** A clock: only the digits that changed are redrawn. */
export function clock(now: () => Date): DemoProgram {
  let last = '';
  return (p, t) => {
    const d = now();
    const text = [d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()]
      .map((n) => String(n).padStart(2, '0'))
      .join(':');
    const scale = Math.max(1, Math.floor(p.fb.width / 8 / 6 / 2));
    if (t === 0) p.fillRect(0, 0, p.fb.width, p.fb.height, 0xff101820);
    for (let i = 0; i < text.length; i++) {
      if (text[i] !== last[i]) p.drawText(8 + i * 6 * scale, 8, text[i], scale, 0xffffd060, 0xff101820);
    }
    last = text;
  };
}

/** Vertical stripes marching right: the SVGA guest's test pattern. */
export const stripes: DemoProgram = (p, t) => {
  const { width, height } = p.fb;
  if (t === 0) p.fillRect(0, 0, width, height, 0xff202020);
  const x = (t * 6) % width;
  p.fillRect(x, 0, 6, height, hsv((t * 5) % 360, 0.8, 0.9));
  p.fillRect((x + width / 2) % width, Math.floor(height / 3), 6, Math.floor(height / 3), 0xff202020);
};
