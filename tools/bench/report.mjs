// Console tables, docs/benchmarks.md sections and the summary of goal verdicts.

export const fmt = (n, d = 3) => (Math.abs(n) >= 1000 ? n.toFixed(0) : Number(n.toPrecision(d)).toString());

const range = (a, b) => `${fmt(a)}–${fmt(b)}`;

export function verdictText(row) {
  return row.verdict ? `${row.verdict} (${row.goal.text})` : '';
}

function caseName(row) {
  return row.unlike ? `${row.name} (unlike work†)` : row.name;
}

function roundsLine(r) {
  if (r.kind === 'metric')
    return 'Exact counts from a deterministic workload: one value per case, no spread.';
  const load = ` Load average (1 min) at its start: ${r.load.toFixed(1)}.`;
  const procs = r.processes > 1 ? ` in ${r.processes} processes` : '';
  if (r.kind === 'sampled')
    return `${r.rounds} rounds${procs} sampled by the suite itself; ratio = median of the per-round ratios, IQR and min–max show their spread.${load}`;
  const batch = r.batch
    ? `, each the fastest of ${r.batch.subs} batches of ≥ ${r.batch.ms} ms ${r.batch.clock === 'cpu' ? 'CPU' : 'wall'} time per task`
    : '';
  return `${r.rounds} interleaved rounds${procs}${batch}; ratio = median of the per-round ratios, IQR and min–max show their spread.${load}`;
}

/** One suite as printed to the terminal. */
export function printResult(r) {
  console.log(
    `\n  ${r.title}  [${r.kind === 'metric' ? 'exact' : `${r.rounds} rounds in ${r.processes} processes, load ${r.load.toFixed(1)}`}]`,
  );
  console.table([
    { case: `baseline: ${r.baseline.name}`, [r.unit]: Number(fmt(r.baseline.value)), ratio: 1 },
    ...r.rows.map((row) => ({
      case: caseName(row),
      [r.unit]: Number(fmt(row.value)),
      ratio: Number(fmt(row.ratio.median)),
      ...(r.kind === 'metric' ? {} : { 'min–max': range(row.ratio.min, row.ratio.max) }),
      goal: verdictText(row),
    })),
  ]);
}

/** The markdown section of one bench file. */
export function markdown(results, file) {
  const lines = [`### ${file}`, ''];
  for (const r of results) {
    lines.push(`#### ${r.title}`, '');
    if (r.detail) lines.push(r.detail, '');
    lines.push(`_${roundsLine(r)}_`, '');
    if (r.kind === 'metric') {
      lines.push(`| case | ${r.unit} | ${r.ratioLabel} | goal |`, '|---|---|---|---|');
      lines.push(`| baseline: ${r.baseline.name} | ${fmt(r.baseline.value)} | 1 | |`);
      for (const row of r.rows)
        lines.push(
          `| ${caseName(row)} | ${fmt(row.value)} | ${fmt(row.ratio.median)}× | ${verdictText(row)} |`,
        );
    } else {
      lines.push(`| case | ${r.unit} (median) | ${r.ratioLabel} | IQR | min–max | goal |`);
      lines.push('|---|---|---|---|---|---|');
      lines.push(`| baseline: ${r.baseline.name} | ${fmt(r.baseline.value)} | 1 | | | |`);
      for (const row of r.rows) {
        const { median, q1, q3, min, max } = row.ratio;
        lines.push(
          `| ${caseName(row)} | ${fmt(row.value)} | ${fmt(median)}× | ${range(q1, q3)} | ${range(min, max)} | ${verdictText(row)} |`,
        );
      }
    }
    for (const row of r.rows.filter((x) => x.unlike)) lines.push('', `† ${row.name}: ${row.unlike}`);
    lines.push('');
  }
  return lines.join('\n');
}

/** Every goal of the run, grouped by verdict. */
export function verdicts(all) {
  const out = { met: [], unclear: [], MISSED: [] };
  for (const f of all)
    for (const r of f.results)
      for (const row of r.rows) if (row.verdict) out[row.verdict].push(`${r.title} / ${row.name}`);
  return out;
}

/** The markdown table of every goal: what it asks, the median and range, the verdict. */
export function goalTable(all) {
  const lines = ['| suite / case | goal | median | min–max | verdict |', '|---|---|---|---|---|'];
  for (const f of all)
    for (const r of f.results)
      for (const row of r.rows.filter((x) => x.verdict)) {
        const spread = r.kind === 'metric' ? 'exact' : range(row.ratio.min, row.ratio.max);
        const v = row.verdict === 'met' ? 'met' : `**${row.verdict}**`;
        lines.push(
          `| ${r.title} / ${row.name} | ${row.goal.text} | ${fmt(row.ratio.median)}× | ${spread} | ${v} |`,
        );
      }
  return lines;
}

export function summaryLines(all) {
  const v = verdicts(all);
  return ['met', 'unclear', 'MISSED'].map(
    (k) => `goals ${k} (${v[k].length}): ${v[k].length ? v[k].join('; ') : 'none'}`,
  );
}
