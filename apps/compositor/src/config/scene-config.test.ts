import { expect } from 'chai';
import { ConfigError, DEFAULT_SCENE, parseSceneConfig } from './scene-config.js';

const problems = (json: unknown): string[] => {
  try {
    parseSceneConfig(json);
  } catch (e) {
    expect(e).to.be.instanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
  return [];
};

describe('parseSceneConfig', () => {
  it('an empty object is the default scene', () => {
    expect(parseSceneConfig({})).to.deep.equal(DEFAULT_SCENE);
  });

  it('takes overrides and parses colours', () => {
    const c = parseSceneConfig({
      output: { width: 320, height: 200, background: '#0a0b0c' },
      delayMs: 16,
      pageSize: 16384,
      clients: [{ name: 'a', kind: 'shmem', width: 10, height: 10 }],
      rfb: { port: 0 },
    });
    expect(c.output).to.deep.equal({ width: 320, height: 200, background: 0x0a0b0c });
    expect(c.pageSize).to.equal(16384);
    expect(c.clients[0]).to.deep.include({ format: 'XRGB8888', x: 0, y: 0, z: 0, fps: 30 });
    expect(c.clients[0].offset).to.equal(undefined);
    expect(c.rfb).to.deep.equal({ host: '127.0.0.1', port: 0 });
  });

  it('names every problem with its path', () => {
    const p = problems({
      output: { width: 8, height: 'tall' },
      delayMs: -1,
      damage: 'all',
      pageSize: 8192,
      colour: 1,
      clients: [
        { name: 'a', kind: 'x11', width: 10, height: 10 },
        { name: 'a', kind: 'vmwgfx', width: 10.5, height: 10, format: 'RGB565', offset: -4 },
      ],
    });
    expect(p).to.include.members([
      '$.colour: unknown key (allowed: output, delayMs, damage, pageSize, clients, rfb, http, png)',
      '$.output.width: expected an integer in [16, 8192], got 8',
      '$.output.height: expected an integer in [16, 8192], got "tall"',
      '$.delayMs: expected an integer in [1, 10000], got -1',
      '$.damage: expected one of bbox, region, got "all"',
      '$.pageSize: expected one of 4096, 16384, 65536, got 8192',
      '$.clients[0].kind: expected one of shmem, shadow, vmwgfx, program, got "x11"',
      '$.clients[1].width: expected an integer in [1, 4096], got 10.5',
      '$.clients[1].offset: expected an integer in [0, 17592186044416], got -4',
      '$.clients[1].format: the SVGA host surface is XRGB8888',
      '$.clients[1].name: duplicate name "a"',
    ]);
    expect(p).to.have.length(11);
  });

  it('rejects non-objects', () => {
    expect(problems([])).to.deep.equal(['$: expected an object']);
    expect(problems({ clients: {} })).to.deep.equal(['$.clients: expected an array']);
  });

  it('listens on loopback only: a wider host is a config problem with its path, not a server error', () => {
    expect(problems({ rfb: { host: '0.0.0.0' }, http: { host: '192.168.1.2' } })).to.deep.equal([
      '$.rfb.host: "0.0.0.0" is not a loopback address (allowed: 127.0.0.0/8, ::1, localhost; the servers have no authentication)',
      '$.http.host: "192.168.1.2" is not a loopback address (allowed: 127.0.0.0/8, ::1, localhost; the servers have no authentication)',
    ]);
    const c = parseSceneConfig({ rfb: { host: '::1' }, http: { host: 'localhost' } });
    expect([c.rfb.host, c.http.host]).to.deep.equal(['::1', 'localhost']);
  });

  it('a client offset must be page aligned and inside the fake-offset window', () => {
    const client = { name: 'a', kind: 'shmem', width: 10, height: 10 };
    const at = (offset: number, pageSize = 4096) => problems({ pageSize, clients: [{ ...client, offset }] });
    const G4 = 2 ** 32;
    expect(at(G4 + 4097)).to.deep.equal([
      `$.clients[0].offset: ${G4 + 4097} is not a multiple of pageSize (4096); mounts are page aligned`,
    ]);
    expect(at(G4 + 4096, 16384)).to.deep.equal([
      `$.clients[0].offset: ${G4 + 4096} is not a multiple of pageSize (16384); mounts are page aligned`,
    ]);
    expect(at(G4 - 4096)).to.deep.equal([
      `$.clients[0].offset: ${G4 - 4096} is outside the fake-offset window [${G4}, 1103805546496) (the 64-bit kernel's)`,
    ]);
    expect(at(1103805546496)).to.have.length(1);
    expect(at(1103805546496 - 4096)).to.deep.equal([]);
    const c = parseSceneConfig({ pageSize: 16384, clients: [{ ...client, offset: G4 + 32768 }] });
    expect(c.clients[0].offset).to.equal(G4 + 32768);
  });
});

describe('parseSceneConfig: program clients', () => {
  const prog = (extra: Record<string, unknown>) => ({
    clients: [{ name: 'p', kind: 'program', argv: ['modetest'], ...extra }],
  });

  it("drm is false unless asked, true or 'shared'", () => {
    expect(parseSceneConfig(prog({})).clients[0].program?.drm).to.equal(false);
    expect(parseSceneConfig(prog({ drm: true })).clients[0].program?.drm).to.equal(true);
    expect(parseSceneConfig(prog({ drm: 'shared' })).clients[0].program?.drm).to.equal('shared');
    expect(problems(prog({ drm: 'yes' }))).to.deep.equal([
      '$.clients[0].drm: expected one of false, true, shared, got "yes"',
    ]);
  });

  it('alsoRun is a list of commands, none unless given', () => {
    expect(parseSceneConfig(prog({})).clients[0].program?.alsoRun).to.deep.equal([]);
    const also = [['modetest', '-s', '9@7:640x480'], ['fbset']];
    expect(parseSceneConfig(prog({ alsoRun: also })).clients[0].program?.alsoRun).to.deep.equal(also);
    for (const bad of [['modetest'], [[]], [['']], [[1]], 'modetest'])
      expect(problems(prog({ alsoRun: bad })), JSON.stringify(bad)).to.deep.equal([
        `$.clients[0].alsoRun: expected an array of commands (each a non-empty array of strings), got ${JSON.stringify(bad)}`,
      ]);
  });
});
