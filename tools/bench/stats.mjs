// Per-round ratios → median, spread and a three-way goal verdict.

/** Quantile `q` (0..1) of sorted values, linear between the two nearest ranks. */
export function quantile(sorted, q) {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Median, quartiles and extremes of a list of numbers. */
export function summarize(values) {
  const s = [...values].sort((a, b) => a - b);
  return {
    n: s.length,
    median: quantile(s, 0.5),
    q1: quantile(s, 0.25),
    q3: quantile(s, 0.75),
    min: s[0],
    max: s[s.length - 1],
  };
}

/**
 * The verdict judges the whole min–max range of the per-round ratios: `met` only if every round
 * met the goal, `MISSED` only if every round missed it, `unclear` when the rounds disagree.
 * Goals are intervals (min, max or both), so checking the two ends decides every round.
 */
export function verdict(summary, goal) {
  if (!goal) return undefined;
  const lo = goal.min ?? -Infinity;
  const hi = goal.max ?? Infinity;
  if (summary.min >= lo && summary.max <= hi) return 'met';
  if (summary.max < lo || summary.min > hi) return 'MISSED';
  return 'unclear';
}
