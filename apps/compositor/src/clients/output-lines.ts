/**
 * The longest line a program's output is logged in: a program that writes without newlines
 * (`cat /dev/zero`, ffmpeg writing raw video to stdout by mistake) is logged in pieces of this
 * many characters instead of one line growing until the compositor runs out of memory.
 */
export const MAX_OUTPUT_LINE = 4096;

// \r\n, \n, or a \r that is not the last character (it may be the first half of a \r\n)
const BREAK = /\r\n|\n|\r(?!$)/;

/**
 * A program's output text (stdout, stderr, its terminal's echo) cut into lines as readline cuts
 * them (\n, \r\n, and a lone \r, which status lines like mpv's use), with at most
 * `MAX_OUTPUT_LINE` characters held: longer lines are handed on in pieces as they arrive.
 */
export class OutputLines {
  private carry = '';

  constructor(
    private readonly emit: (line: string) => void,
    private readonly max = MAX_OUTPUT_LINE,
  ) {}

  /** The next chunk of text. */
  push(text: string): void {
    const parts = (this.carry + text).split(BREAK);
    this.carry = '';
    const last = parts.pop() ?? '';
    for (const line of parts) this.pieces(line, true);
    this.pieces(last, false);
  }

  /** The output ended: an unterminated last line is handed on. */
  end(): void {
    if (this.carry !== '') this.emit(this.carry);
    this.carry = '';
  }

  /** Emits `line` in pieces of `max`; an unfinished line keeps its last short piece. */
  private pieces(line: string, complete: boolean): void {
    let at = 0;
    while (line.length - at > this.max || (complete && at < line.length)) {
      this.emit(line.slice(at, at + this.max));
      at += this.max;
    }
    if (complete) {
      if (line.length === 0) this.emit('');
      return;
    }
    this.carry = line.slice(at);
  }
}

/** At most this many lines of one output stream are logged per `LOG_WINDOW_MS` (journald's idea). */
export const LOG_BURST = 1000;
export const LOG_WINDOW_MS = 10_000;

/**
 * A rate limit on one stream's logged lines: past `burst` lines in a window the rest are only
 * counted, and the first line of a later window (or `end`) says how many were left out. A
 * program printing without pause (`cat /dev/zero`) then writes a few MB of log per window, not
 * gigabytes; reading its pipe goes on, so the program is never blocked.
 */
export class LineRateLimit {
  private windowStart = Number.NEGATIVE_INFINITY;
  private logged = 0;
  private dropped = 0;

  constructor(
    private readonly emit: (line: string) => void,
    private readonly note: (dropped: number) => void,
    private readonly now: () => number,
    private readonly burst = LOG_BURST,
    private readonly windowMs = LOG_WINDOW_MS,
  ) {}

  readonly line = (line: string): void => {
    const t = this.now();
    if (t - this.windowStart >= this.windowMs) {
      this.flush();
      this.windowStart = t;
      this.logged = 0;
    }
    if (this.logged < this.burst) {
      this.logged++;
      this.emit(line);
    } else this.dropped++;
  };

  /** Reports lines left out and not reported yet. */
  flush(): void {
    if (this.dropped > 0) this.note(this.dropped);
    this.dropped = 0;
  }
}
