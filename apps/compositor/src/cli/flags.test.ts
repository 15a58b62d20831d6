import { expect } from 'chai';
import { FLAGS, type FlagTable, parseFlags, renderHelp, UsageError } from './flags.js';

const error = (argv: string[], table?: FlagTable): string => {
  try {
    if (table) parseFlags(argv, table);
    else parseFlags(argv);
  } catch (e) {
    expect(e).to.be.instanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error(`${argv.join(' ')} was accepted`);
};

describe('CLI flags', () => {
  it('parses values, switches, --name=value, short forms and a leading -- (pnpm start -- …)', () => {
    expect(
      parseFlags(['--', '--duration', '1.5', '--headless', '--rfb-port=0', '--log-format', 'json', '-h']),
    ).to.deep.equal({ duration: 1.5, headless: true, 'rfb-port': 0, 'log-format': 'json', help: true });
    expect(parseFlags(['-V'])).to.deep.equal({ version: true });
    expect(parseFlags([])).to.deep.equal({});
  });

  it('names the flag and what it accepts for every bad value', () => {
    expect(error(['--duration', '-1'])).to.match(/^--duration: expected a number of seconds > 0 .*got "-1"$/);
    expect(error(['--duration', '2147484'])).to.match(/^--duration: .*at most 2147483 .*got "2147484"$/);
    expect(error(['--png-interval', '1e3'])).to.equal(
      '--png-interval: expected an integer in [0, 3600000], got "1e3"',
    );
    expect(error(['--http-port', ''])).to.equal('--http-port: expected an integer in [0, 65535], got ""');
    expect(error(['--log-format', 'xml'])).to.equal('--log-format: expected one of pretty, json, got "xml"');
    expect(error(['--snapshot', '--headless'])).to.equal('--snapshot: needs a value (FILE)');
    expect(error(['--headless=no'])).to.equal('--headless: takes no value');
    expect(error(['--duration', '1', '--duration', '2'])).to.equal('--duration: given more than once');
    expect(error(['5900'])).to.equal('"5900": unexpected argument (options start with --; see --help)');
    expect(error(['--rfb-prot', '0'])).to.equal(
      '--rfb-prot: unknown option (did you mean --rfb-port? see --help)',
    );
    expect(error(['--frobnicate=1'])).to.equal('--frobnicate: unknown option (see --help)');
    expect(error(['-x'])).to.equal('-x: unknown option (see --help)');
  });

  it('a repeatable flag keeps every occurrence in order (what --run will be)', () => {
    const table: FlagTable = {
      run: { value: 'CMD', multiple: true, help: 'run a program', parse: (raw) => raw },
      quiet: { help: 'say less' },
    };
    expect(parseFlags(['--run', 'a b', '--quiet', '--run=c'], table)).to.deep.equal({
      run: ['a b', 'c'],
      quiet: true,
    });
    expect(error(['--quiet', '--quiet'], table)).to.equal('--quiet: given more than once');
    expect(renderHelp('x', 'X.', table)).to.contain('--run CMD (repeatable)');
  });

  it('--help lists every flag of the table with its default, in plain text', () => {
    const help = renderHelp('fbemu-compositor', 'Does things.');
    expect(help).not.to.contain(String.fromCharCode(0x1b));
    for (const [name, spec] of Object.entries(FLAGS as FlagTable)) {
      const row = help.split('\n').find((l) => l.includes(`--${name}`));
      expect(row, name).to.be.a('string');
      if (spec.default) expect(row).to.contain(`[default: ${spec.default}]`);
    }
  });
});
