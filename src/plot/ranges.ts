/**
 * Axis ranges that leave room inside the plot area for a legend: the data's own range, widened on one side by
 * a share of its span. Used where every corner of a panel holds data (see the `legend-covers-data` lint check).
 */

export interface Room {
  /** Share of the data's span added below it (default 0.03). */
  below?: number;
  /** Share of the data's span added above it (default 0.05). */
  above?: number;
  /** The span used when the data's is smaller (in decades; default 0.5). */
  minSpan?: number;
}

/** A log10 axis range over the positive finite values of `ys`, widened by `room`; undefined when there are none. */
export function logRangeWithRoom(ys: readonly number[], room: Room = {}): [number, number] | undefined {
  const logs = ys.filter((y) => Number.isFinite(y) && y > 0).map(Math.log10);
  if (logs.length === 0) return undefined;
  const lo = Math.min(...logs);
  const hi = Math.max(...logs);
  const span = Math.max(hi - lo, room.minSpan ?? 0.5);
  return [lo - (room.below ?? 0.03) * span, hi + (room.above ?? 0.05) * span];
}
