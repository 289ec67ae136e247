/** Median of a non-empty list; the mean of the two middle values when the count is even. */
export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** Percentile `p` (0 to 100) by linear interpolation between the closest ranks. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error('percentile of an empty list');

  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const lower = Math.floor(rank);
  const upper = Math.ceil(rank);
  const low = sorted[lower] as number;
  const high = sorted[upper] as number;
  return low + (high - low) * (rank - lower);
}

/** Rounds to `digits` decimal places, for figures that are written to JSON and printed. */
export function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** Returns `items` rotated left by `steps`, so each item goes first in turn. */
export function rotate<T>(items: readonly T[], steps: number): T[] {
  const shift = steps % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}
