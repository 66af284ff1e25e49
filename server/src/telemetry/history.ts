/**
 * A bounded ring of (time, value) pairs for one node and metric. Typed arrays keep 500 samples in 8 KB
 * instead of 500 objects, which matters with thousands of pairs; the arrays grow by doubling so quiet
 * pairs cost little.
 */
export class History {
  private times: Float64Array;
  private values: Float64Array;
  private start = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    const initial = Math.min(capacity, 16);
    this.times = new Float64Array(initial);
    this.values = new Float64Array(initial);
  }

  get size(): number {
    return this.count;
  }

  get full(): boolean {
    return this.count === this.capacity;
  }

  push(time: number, value: number): void {
    if (this.count === this.times.length && this.count < this.capacity) this.grow();
    if (this.count < this.capacity) {
      const at = (this.start + this.count) % this.times.length;
      this.times[at] = time;
      this.values[at] = value;
      this.count++;
      return;
    }
    // Full: overwrite the oldest.
    this.times[this.start] = time;
    this.values[this.start] = value;
    this.start = (this.start + 1) % this.times.length;
  }

  /** Entries with time >= since, oldest first (arrival order), at most the newest `limit`. */
  window(since: number, limit = Infinity): Array<{ time: number; value: number }> {
    const out: Array<{ time: number; value: number }> = [];
    for (let i = this.count - 1; i >= 0 && out.length < limit; i--) {
      const at = (this.start + i) % this.times.length;
      const time = this.times[at]!;
      if (time >= since) out.push({ time, value: this.values[at]! });
    }
    return out.reverse();
  }

  /** The earliest time still held; rows older than this can go from the database too. */
  earliest(): number {
    let min = Infinity;
    for (let i = 0; i < this.count; i++)
      min = Math.min(min, this.times[(this.start + i) % this.times.length]!);
    return min;
  }

  private grow(): void {
    const size = Math.min(this.capacity, this.times.length * 2);
    const times = new Float64Array(size);
    const values = new Float64Array(size);
    for (let i = 0; i < this.count; i++) {
      const at = (this.start + i) % this.times.length;
      times[i] = this.times[at]!;
      values[i] = this.values[at]!;
    }
    this.times = times;
    this.values = values;
    this.start = 0;
  }
}

export interface Stats {
  count: number;
  min: number | null;
  max: number | null;
  avg: number | null;
}

export function stats(values: Iterable<number>): Stats {
  let count = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const value of values) {
    count++;
    sum += value;
    if (value < min) min = value;
    if (value > max) max = value;
  }
  return count === 0 ? { count, min: null, max: null, avg: null } : { count, min, max, avg: sum / count };
}
