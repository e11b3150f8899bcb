/** Per-axon state of the core being filled; grows when partial-sum compartments add virtual axons. */
export class AxonTable {
  stamp = new Int32Array(0);
  count = new Int32Array(0);
  first = new Int32Array(0);
  last = new Int32Array(0);
  cost = new Float64Array(0);
  ensure(n: number): void {
    if (n <= this.stamp.length) return;
    const size = Math.max(n, this.stamp.length * 2);
    const grow = <T extends Int32Array | Float64Array>(a: T, fill: number): T => {
      const b = new (a.constructor as new (n: number) => T)(size);
      b.fill(fill as never);
      b.set(a as never);
      return b;
    };
    this.stamp = grow(this.stamp, -1);
    this.count = grow(this.count, 0);
    this.first = grow(this.first, 0);
    this.last = grow(this.last, 0);
    this.cost = grow(this.cost, 0);
  }
}
