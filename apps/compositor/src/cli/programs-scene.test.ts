import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { fbMode, parseFlags, splitCommand, UsageError } from './flags.js';
import { loadScene } from './scene.js';

describe('--run, --fb-mode, --tracking', () => {
  it('splits a command at blanks with quotes and escapes, as a shell would (no expansion)', () => {
    expect(splitCommand('fbi -a  -T 1 photo.png')).to.deep.equal(['fbi', '-a', '-T', '1', 'photo.png']);
    expect(splitCommand(`sh -c 'trap "" TERM; exec sleep 1'`)).to.deep.equal([
      'sh',
      '-c',
      'trap "" TERM; exec sleep 1',
    ]);
    expect(splitCommand('echo "a \\"b\\"" c\\ d \'\' $HOME')).to.deep.equal([
      'echo',
      'a "b"',
      'c d',
      '',
      '$HOME',
    ]);
    expect(() => splitCommand('   ')).to.throw('expected a command');
    expect(() => splitCommand("fbi 'photo.png")).to.throw("expected a closing '");
  });

  it('reads WxH and WxHxBPP, refusing sizes fb_set_var refuses and other depths', () => {
    expect(fbMode('800x600')).to.deep.equal({ width: 800, height: 600 });
    expect(fbMode('320x240x16')).to.deep.equal({ width: 320, height: 240, bpp: 16 });
    for (const bad of ['7x480', '640x4097', '640x480x24', '640*480', '640x480x32x1'])
      expect(() => fbMode(bad), bad).to.throw('expected WIDTHxHEIGHT');
    expect(() => parseFlags(['--fb-mode', '640x480x8'])).to.throw(UsageError, '--fb-mode: expected');
    expect(() => parseFlags(['--tracking', 'poll'])).to.throw(
      UsageError,
      '--tracking: expected one of async, sync, mprotect',
    );
  });

  it('without a config the scene is just the programs, side by side, the output their size', async () => {
    const scene = await loadScene(
      parseFlags([
        '--run',
        'ffmpeg -i x -f fbdev /dev/fb0',
        '--run',
        'ffmpeg -v',
        '--fb-mode',
        '320x200x16',
        '--tracking',
        'sync',
      ]),
    );
    expect(scene.output).to.include({ width: 640, height: 200 });
    expect(scene.clients.map((c) => [c.name, c.kind, c.x, c.y, c.width, c.height, c.format])).to.deep.equal([
      ['ffmpeg', 'program', 0, 0, 320, 200, 'RGB565'],
      ['ffmpeg-2', 'program', 320, 0, 320, 200, 'RGB565'],
    ]);
    expect(scene.clients[0].program).to.deep.equal({
      argv: ['ffmpeg', '-i', 'x', '-f', 'fbdev', '/dev/fb0'],
      env: {},
      bpp: 16,
      virtualHeight: 200,
      tracking: 'sync',
      drm: false,
      alsoRun: [],
    });
    const drm = await loadScene(parseFlags(['--run', 'modetest', '--drm']));
    expect(drm.clients[0].program?.drm).to.equal(true);
  });

  it('--drm-fbdev: the --run programs are one client on a shared card, the first with the others in alsoRun', async () => {
    const scene = await loadScene(
      parseFlags(['--drm-fbdev', '--run', 'fbset -i', '--run', 'modetest -s 9@7:640x480']),
    );
    expect(scene.output).to.include({ width: 640, height: 480 });
    expect(scene.clients.map((c) => c.name)).to.deep.equal(['fbset']);
    expect(scene.clients[0].program).to.include({ drm: 'shared' });
    expect(scene.clients[0].program?.argv).to.deep.equal(['fbset', '-i']);
    expect(scene.clients[0].program?.alsoRun).to.deep.equal([['modetest', '-s', '9@7:640x480']]);
  });

  it('--drm with --drm-fbdev, or either without a --run program, is a usage error naming the flag', async () => {
    const refused = async (argv: string[]) => {
      try {
        await loadScene(parseFlags(argv));
      } catch (e) {
        if (e instanceof UsageError) return e.message;
        throw e;
      }
      return 'accepted';
    };
    expect(await refused(['--drm', '--drm-fbdev', '--run', 'modetest'])).to.match(/^--drm and --drm-fbdev/);
    expect(await refused(['--drm-fbdev'])).to.match(/^--drm-fbdev: .*--run/);
    expect(await refused(['--drm'])).to.match(/^--drm: .*--run/);
  });

  it('with a config the programs go on top of its clients at (0,0); its program clients are checked by path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fbemu-scene-'));
    const good = join(dir, 'good.json');
    writeFileSync(
      good,
      JSON.stringify({ clients: [{ name: 'a', kind: 'shmem', width: 10, height: 10, z: 7 }] }),
    );
    const scene = await loadScene(parseFlags(['--config', good, '--run', 'fbset -i']));
    expect(scene.output.width).to.equal(1280);
    expect(scene.clients.map((c) => [c.name, c.kind, c.z])).to.deep.equal([
      ['a', 'shmem', 7],
      ['fbset', 'program', 8],
    ]);
    const bad = join(dir, 'bad.json');
    const program = {
      name: 'p',
      kind: 'program',
      argv: [],
      env: { A: 1 },
      bpp: 24,
      height: 100,
      virtualHeight: 50,
      tracking: 'x',
      format: 'RGB565',
    };
    writeFileSync(bad, JSON.stringify({ clients: [program] }));
    const problems = await loadScene(parseFlags(['--config', bad])).then(
      () => [],
      (e) => e.problems,
    );
    expect(problems).to.have.members([
      `${bad}: $.clients[0].format: unknown key (allowed: name, kind, argv, env, width, height, bpp, virtualHeight, x, y, z, tracking, drm, alsoRun)`,
      `${bad}: $.clients[0].argv: expected a non-empty array of strings (the command and its arguments), got []`,
      `${bad}: $.clients[0].env.A: expected a string value and a name without "="`,
      `${bad}: $.clients[0].bpp: expected one of 32, 16, got 24`,
      `${bad}: $.clients[0].virtualHeight: expected an integer in [100, 16384], got 50`,
      `${bad}: $.clients[0].tracking: expected one of async, sync, mprotect, got "x"`,
    ]);
  });

  it('--rfb-lossless turns JPEG off in the RFB options; without it the server default stands', async () => {
    expect((await loadScene(parseFlags(['--rfb-lossless']))).rfb).to.include({ jpeg: false });
    expect((await loadScene(parseFlags([]))).rfb).not.to.have.property('jpeg');
  });
});
