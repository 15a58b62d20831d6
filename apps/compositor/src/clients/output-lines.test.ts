import { expect } from 'chai';
import { OutputLines } from './output-lines.js';

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
