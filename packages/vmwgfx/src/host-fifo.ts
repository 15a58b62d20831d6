import {
  type FifoPointers,
  fifoAdvance,
  fifoPointersValid,
  fifoUsedBytes,
  readFifoPointers,
} from './fifo-layout.js';
import {
  SVGA_CMD_FENCE_WORDS,
  SVGA_CMD_UPDATE_VERBOSE_WORDS,
  SVGA_CMD_UPDATE_WORDS,
  SVGA_MAX_CURSOR_BPP,
  SVGA_MAX_CURSOR_IMAGE_WORDS,
  SVGA_MAX_CURSOR_MASK_WORDS,
  SVGA_MAX_CURSOR_SIDE,
  SvgaCmd,
  SvgaFifo,
} from './svga-reg.js';

/** Where the commands a pass decodes go. */
export interface FifoCommandSink {
  /** SVGA_CMD_UPDATE(_VERBOSE): the rect exactly as the guest wrote it, as signed 32-bit values */
  update(x: number, y: number, width: number, height: number): void;
  /** SVGA_CMD_FENCE */
  fence(value: number): void;
}

/** What the last pass did; one object, overwritten by every pass. */
export interface FifoPassStats {
  /** false when the pointers failed validation and nothing was read */
  valid: boolean;
  /** commands completed (skipped and bad ones included) */
  commands: number;
  /** FIFO words consumed */
  words: number;
  /** unknown commands and commands with impossible sizes */
  badCommands: number;
  /** the pass ended on an incomplete command, left for the next pass */
  rewound: boolean;
}

/** QEMU's bound: at most 1023 commands per pass (invariant 32). */
export const FIFO_MAX_COMMANDS_PER_PASS = 1023;

/** A command step: done, or stopped on an incomplete command. */
const DONE = 0;
const INCOMPLETE = 1;
type Step = typeof DONE | typeof INCOMPLETE;

/** Commands the host accepts and ignores, consuming only the command word (as QEMU does). */
const WORD_ONLY_NOOPS: ReadonlySet<number> = new Set([
  SvgaCmd.INVALID_CMD,
  SvgaCmd.SURFACE_FILL,
  SvgaCmd.SURFACE_COPY,
  SvgaCmd.FRONT_ROP_FILL,
  SvgaCmd.NOP,
]);

/** Unsupported commands of known size: skipped by their argument count (words after the id). */
const SKIPPED_ARGS: ReadonlyMap<number, number> = new Map([
  [SvgaCmd.RECT_FILL, 5],
  [SvgaCmd.RECT_COPY, 6],
  [SvgaCmd.RECT_ROP_FILL, 6],
  [SvgaCmd.RECT_ROP_COPY, 7],
  [SvgaCmd.SURFACE_ALPHA_BLEND, 12],
]);

/**
 * The host's FIFO reader (the consuming half of QEMU's `vmsvga_fifo_run`, hardened). A pass:
 * snapshots and validates MIN/MAX/NEXT_CMD/STOP, then decodes at most 1023 commands from what was
 * available at the start. STOP is published after each whole command, so a pass that meets an
 * incomplete command leaves STOP at that command's first word (the rewind) and ends; the next pass
 * re-reads it from the start. Only indexed word loads and one store (STOP) touch FIFO memory, every
 * load is inside [MIN, MAX) of a validated ring, and nothing here throws.
 */
export class HostFifo {
  readonly stats: FifoPassStats = { valid: false, commands: 0, words: 0, badCommands: 0, rewound: false };
  private readonly p: FifoPointers = { min: 0, max: 0, nextCmd: 0, stop: 0 };
  /** read cursor (byte offset); published to STOP at command boundaries */
  private pos = 0;
  /** words available from `pos` in this pass */
  private avail = 0;

  constructor(
    private readonly fifo: Uint32Array,
    private readonly fifoBytes: number,
    private readonly maxCommands: number = FIFO_MAX_COMMANDS_PER_PASS,
  ) {}

  /** One pass over the FIFO; returns the (reused) stats object. */
  run(sink: FifoCommandSink): FifoPassStats {
    const s = this.stats;
    s.commands = s.words = s.badCommands = 0;
    s.rewound = false;
    readFifoPointers(this.fifo, this.p);
    s.valid = fifoPointersValid(this.p, this.fifoBytes);
    if (!s.valid) return s;
    this.pos = this.p.stop;
    this.avail = fifoUsedBytes(this.p) >>> 2;
    while (s.commands < this.maxCommands && this.avail > 0) {
      const start = this.pos;
      const startAvail = this.avail;
      if (this.command(sink) === INCOMPLETE) {
        this.pos = start;
        this.avail = startAvail;
        s.rewound = true;
        break;
      }
      s.words += startAvail - this.avail;
      s.commands += 1;
      this.fifo[SvgaFifo.STOP] = this.pos;
    }
    return s;
  }

  private command(sink: FifoCommandSink): Step {
    const id = this.read();
    switch (id) {
      case SvgaCmd.UPDATE:
        return this.update(sink, SVGA_CMD_UPDATE_WORDS - 1);
      case SvgaCmd.UPDATE_VERBOSE:
        // x, y, width, height, reason: QEMU reads only four and parses `reason` as a command
        return this.update(sink, SVGA_CMD_UPDATE_VERBOSE_WORDS - 1);
      case SvgaCmd.FENCE:
        if (!this.has(SVGA_CMD_FENCE_WORDS - 1)) return INCOMPLETE;
        sink.fence(this.read());
        return DONE;
      case SvgaCmd.DEFINE_CURSOR:
        return this.defineCursor();
      case SvgaCmd.DEFINE_ALPHA_CURSOR:
        return this.defineAlphaCursor();
    }
    const args = SKIPPED_ARGS.get(id);
    if (args !== undefined) return this.skip(args);
    if (!WORD_ONLY_NOOPS.has(id)) this.stats.badCommands += 1;
    return DONE;
  }

  private update(sink: FifoCommandSink, args: number): Step {
    if (!this.has(args)) return INCOMPLETE;
    const x = this.read() | 0;
    const y = this.read() | 0;
    const w = this.read() | 0;
    const h = this.read() | 0;
    if (args > 4) this.skipWords(args - 4);
    sink.update(x, y, w, h);
    return DONE;
  }

  /** id, hot x/y, width, height, AND-mask depth, XOR-mask bpp, then the two masks (skipped). */
  private defineCursor(): Step {
    if (!this.has(7)) return INCOMPLETE;
    this.skipWords(3);
    const w = this.read();
    const h = this.read();
    this.skipWords(1);
    const bpp = this.read();
    if (w > SVGA_MAX_CURSOR_SIDE || h > SVGA_MAX_CURSOR_SIDE || bpp > SVGA_MAX_CURSOR_BPP) return this.bad();
    const mask = Math.ceil(w / 32) * h;
    const image = Math.ceil((w * bpp) / 32) * h;
    if (mask > SVGA_MAX_CURSOR_MASK_WORDS || image > SVGA_MAX_CURSOR_IMAGE_WORDS) return this.bad();
    return this.payload(8, mask + image);
  }

  /** id, hot x/y, width, height, then width × height ARGB words (skipped). */
  private defineAlphaCursor(): Step {
    if (!this.has(5)) return INCOMPLETE;
    this.skipWords(3);
    const w = this.read();
    const h = this.read();
    if (w > SVGA_MAX_CURSOR_SIDE || h > SVGA_MAX_CURSOR_SIDE) return this.bad();
    return this.payload(6, w * h);
  }

  /**
   * A trailing payload of `words` after a header of `headerWords` (id included). One that could never fit in the ring is a bad command (its
   * header is consumed): rewinding it would stall the FIFO forever, which QEMU does for a huge
   * DEFINE_ALPHA_CURSOR.
   */
  private payload(headerWords: number, words: number): Step {
    if (headerWords + words > this.ringWords() - 1) return this.bad();
    return this.skip(words);
  }

  private skip(words: number): Step {
    if (!this.has(words)) return INCOMPLETE;
    this.skipWords(words);
    return DONE;
  }

  private bad(): Step {
    this.stats.badCommands += 1;
    return DONE;
  }

  private has(words: number): boolean {
    return this.avail >= words;
  }

  private ringWords(): number {
    return (this.p.max - this.p.min) >>> 2;
  }

  /** One word at the cursor; callers check `has` first, so `avail` never goes negative. */
  private read(): number {
    const word = this.fifo[this.pos >>> 2]!;
    this.pos = fifoAdvance(this.p, this.pos, 4);
    this.avail -= 1;
    return word;
  }

  private skipWords(words: number): void {
    this.pos = fifoAdvance(this.p, this.pos, words * 4);
    this.avail -= words;
  }
}
