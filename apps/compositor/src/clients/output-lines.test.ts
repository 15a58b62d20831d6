import { expect } from 'chai';
import { LineRateLimit, OutputLines } from './output-lines.js';

function collect(max: number) {
  const lines: string[] = [];
  return { lines, out: new OutputLines((l) => lines.push(l), max) };
}

describe('OutputLines', () => {
  it('cuts at \\n, \\r\\n and a lone \\r, also when \\r\\n spans two chunks; end hands on the rest', () => {
    const { lines, out } = collect(100);
    out.push('one\ntwo\r');
    out.push('\nthree\rfour\n\nfi');
    out.push('ve');
    expect(lines).to.deep.equal(['one', 'two', 'three', 'four', '']);
    out.end();
    expect(lines.at(-1)).to.equal('five');
    out.end();
    expect(lines).to.have.length(6);
  });

  it('output without newlines is handed on in pieces as it comes: never more than max characters held', () => {
    const { lines, out } = collect(8);
    for (let i = 0; i < 5; i++) out.push('x'.repeat(5));
    expect(lines).to.deep.equal(['x'.repeat(8), 'x'.repeat(8), 'x'.repeat(8)]);
    out.push(`${'y'.repeat(20)}\nz`);
    expect(lines.slice(3)).to.deep.equal(['xyyyyyyy', 'yyyyyyyy', 'yyyyy']);
    out.end();
    expect(lines.at(-1)).to.equal('z');
  });
});

describe('LineRateLimit', () => {
  it('past the burst a window only counts; the next window and flush report the count once', () => {
    let now = 0;
    const out: string[] = [];
    const limit = new LineRateLimit(
      (l) => out.push(l),
      (n) => out.push(`dropped ${n}`),
      () => now,
      3,
      100,
    );
    for (let i = 0; i < 5; i++) limit.line(`a${i}`);
    now = 99;
    limit.line('a5');
    expect(out).to.deep.equal(['a0', 'a1', 'a2']);
    now = 100;
    limit.line('b0');
    expect(out).to.deep.equal(['a0', 'a1', 'a2', 'dropped 3', 'b0']);
    for (let i = 1; i < 5; i++) limit.line(`b${i}`);
    limit.flush();
    limit.flush();
    expect(out.slice(5)).to.deep.equal(['b1', 'b2', 'dropped 2']);
  });
});
