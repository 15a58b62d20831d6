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
