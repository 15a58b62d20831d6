import type { Region } from '@fbemu/drm-fb-helper';
import type { RectEncoder } from './encoder.js';
import { HextileEncoder } from './hextile.js';
import { Encoding } from './protocol.js';
import { TightEncoder } from './tight.js';
import { DeflateStream } from './zlib-stream.js';
import { ZrleEncoder } from './zrle.js';

/** zlib level when the client sends no compression-level pseudo-encoding (ZRLE: zlib's default, as libvncserver). */
export const DEFAULT_COMPRESS_LEVEL = 6;

/**
 * Tight's zlib level when the client sends none: 1, what libvncserver (x11vnc) and TurboVNC use for
 * lossless Tight whatever the level (they clamp it to their level 1, zlib 1): on a video stream
 * (testsrc2 720p) zlib 6 costs ≈ 25 % more CPU per frame for ≈ 5 % fewer bytes.
 */
export const DEFAULT_TIGHT_LEVEL = 1;

/** The encodings this server can send for changed pixels, besides Raw (ZRLE and Tight need zlib streams). */
const ENCODERS: readonly number[] = [
  Encoding.Hextile,
  ...(DeflateStream.available ? [Encoding.ZRLE, Encoding.Tight] : []),
];

/** What a client's SetEncodings list asks for, read once per message. */
export interface EncodingChoice {
  /** ZRLE, Tight, Hextile or Raw: the first of them in the client's order (Raw when none is listed) */
  pixels: number;
  /** 0..9 from the first compression-level pseudo-encoding, or undefined */
  compressLevel: number | undefined;
  /** 0..9 from the first JPEG-quality pseudo-encoding, or undefined (then Tight sends no JPEG) */
  qualityLevel: number | undefined;
  copyRect: boolean;
  desktopSize: boolean;
}

/** Reads a SetEncodings list (any length, any values: unknown ones are skipped). */
export function chooseEncodings(list: Int32Array): EncodingChoice {
  const choice: EncodingChoice = {
    pixels: Encoding.Raw,
    compressLevel: undefined,
    qualityLevel: undefined,
    copyRect: false,
    desktopSize: false,
  };
  let pixelsChosen = false;
  for (const e of list) {
    if (!pixelsChosen && (e === Encoding.Raw || ENCODERS.includes(e))) {
      choice.pixels = e;
      pixelsChosen = true;
    } else if (e === Encoding.CopyRect) choice.copyRect = true;
    else if (e === Encoding.DesktopSize) choice.desktopSize = true;
    else if (e >= Encoding.CompressLevel0 && e <= Encoding.CompressLevel0 + 9)
      choice.compressLevel ??= e - Encoding.CompressLevel0;
    else if (e >= Encoding.QualityLevel0 && e <= Encoding.QualityLevel0 + 9)
      choice.qualityLevel ??= e - Encoding.QualityLevel0;
  }
  return choice;
}

/**
 * A session's rect encoder, kept across SetEncodings messages. A ZRLE encoder lives as long as the
 * connection once created: the client inflates every ZRLE rect with one zlib stream, so its level
 * stays the one it started with. A Tight encoder is replaced when the level changes (a new one
 * tells the client to reset each stream it uses); it follows the quality level as it changes.
 */
export class SessionEncoders {
  choice: EncodingChoice = chooseEncodings(new Int32Array(0));
  private zrle: ZrleEncoder | undefined;
  private tight: TightEncoder | undefined;
  private hextile: HextileEncoder | undefined;

  /**
   * `jpeg` false: Tight never sends JPEG, whatever quality level the client asks for (every encoding
   * lossless). `lossyPieces`: where Tight adds the pieces it sends as JPEG.
   */
  constructor(
    private readonly jpeg = true,
    private readonly lossyPieces?: Region,
  ) {}

  /** Applies a SetEncodings list. */
  select(list: Int32Array): EncodingChoice {
    this.choice = chooseEncodings(list);
    return this.choice;
  }

  /** The encoder for changed pixels, or undefined for Raw; `lossless`: no JPEG in this update (a lossless refresh). */
  current(lossless = false): RectEncoder | undefined {
    const asked = this.choice.compressLevel;
    if (this.choice.pixels === Encoding.ZRLE) {
      this.zrle ??= new ZrleEncoder(asked ?? DEFAULT_COMPRESS_LEVEL);
      return this.zrle;
    }
    if (this.choice.pixels === Encoding.Tight) {
      const level = asked ?? DEFAULT_TIGHT_LEVEL;
      if (this.tight?.level !== level) {
        this.tight?.close();
        this.tight = new TightEncoder(level);
      }
      this.tight.qualityLevel = this.jpeg && !lossless ? this.choice.qualityLevel : undefined;
      this.tight.lossyPieces = this.lossyPieces;
      return this.tight;
    }
    if (this.choice.pixels === Encoding.Hextile) {
      this.hextile ??= new HextileEncoder();
      return this.hextile;
    }
    return undefined;
  }

  close(): void {
    this.zrle?.close();
    this.tight?.close();
    this.zrle = undefined;
    this.tight = undefined;
  }
}
