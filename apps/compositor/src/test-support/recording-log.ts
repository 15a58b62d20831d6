import { filter, firstValueFrom, Subject } from 'rxjs';
import type { ClientLog } from '../app/tokens.js';

export interface LogLine {
  level: 'info' | 'warn';
  msg: string;
  fields: Record<string, unknown>;
}

/** A ClientLog that keeps every line, for end-to-end tests that wait on a program's output. */
export class RecordingLog implements ClientLog {
  readonly lines: LogLine[] = [];
  private readonly added = new Subject<LogLine>();

  info(msg: string, fields: Record<string, unknown> = {}): void {
    this.add({ level: 'info', msg, fields });
  }

  warn(msg: string, fields: Record<string, unknown> = {}): void {
    this.add({ level: 'warn', msg, fields });
  }

  of(program: string): LogLine[] {
    return this.lines.filter((l) => l.fields.program === program);
  }

  /** Resolves once `program`'s lines satisfy `ok` (checked now and at every new line). */
  until(program: string, ok: (lines: LogLine[]) => boolean): Promise<unknown> {
    if (ok(this.of(program))) return Promise.resolve();
    return firstValueFrom(
      this.added.pipe(filter((l) => l.fields.program === program && ok(this.of(program)))),
    );
  }

  private add(line: LogLine): void {
    this.lines.push(line);
    this.added.next(line);
  }
}
