// Mocha root-hook plugin (loaded for every package by .mocharc.cjs): one fast-check seed per
// mocha process, from FC_SEED or generated, so every property in the repo is reproducible without
// per-test code. A failing property's message carries fast-check's `{ seed, path }`; this hook
// prints them as the command that replays exactly that counterexample (FC_PATH is applied too).
import fc from 'fast-check';

const seed = process.env.FC_SEED ? Number(process.env.FC_SEED) : (Date.now() ^ (Math.random() * 2 ** 31)) | 0;
if (!Number.isSafeInteger(seed)) throw new Error(`FC_SEED=${process.env.FC_SEED} is not an integer`);
const path = process.env.FC_PATH || undefined;
fc.configureGlobal({ ...fc.readConfigureGlobal(), seed, path });

const FAILURE = /\{ seed: (-?\d+), path: "([\d:]*)"/;

export const mochaHooks = {
  afterEach() {
    const test = this.currentTest;
    const found = test?.state === 'failed' ? FAILURE.exec(String(test.err?.message)) : null;
    if (!found) return;
    const title = test.fullTitle().replace(/'/g, "'\\''");
    process.stdout.write(
      `\n  fast-check replay: FC_SEED=${found[1]} FC_PATH=${found[2]} npx mocha --grep '${title}'\n`,
    );
  },
};
