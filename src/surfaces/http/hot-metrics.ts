/**
 * Counters and histograms for the request hot path. prom-client hashes the label set on every
 * observation (even through `labels()` children), which cost more than the MCP call being measured;
 * these bind a label set once and make an observation a few array writes. They render themselves in
 * the Prometheus text format next to prom-client's registry (process metrics).
 */

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function labelText(names: readonly string[], values: readonly string[], extra?: string): string {
  const parts = names.map((n, i) => `${n}="${escapeLabel(values[i] ?? '')}"`);
  if (extra) parts.push(extra);
  return parts.length ? `{${parts.join(',')}}` : '';
}

export interface BoundCounter {
  inc(by?: number): void;
}

export interface BoundHistogram {
  observe(value: number): void;
}

export interface HotMetric {
  render(): string;
}

export class HotCounter implements HotMetric {
  private readonly series = new Map<string, { values: readonly string[]; count: number }>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
  ) {}

  /** Bind a label set once; keep the result and call `inc` on it. */
  labels(...values: string[]): BoundCounter {
    const key = values.join('\u0000');
    let series = this.series.get(key);
    if (!series) this.series.set(key, (series = { values, count: 0 }));
    const s = series;
    return {
      inc(by = 1) {
        s.count += by;
      },
    };
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const s of this.series.values()) lines.push(`${this.name}${labelText(this.labelNames, s.values)} ${s.count}`);
    return lines.join('\n');
  }
}

export class HotHistogram implements HotMetric {
  private readonly series = new Map<string, { values: readonly string[]; counts: Float64Array; sum: number; count: number }>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
    readonly buckets: readonly number[],
  ) {}

  labels(...values: string[]): BoundHistogram {
    const key = values.join('\u0000');
    let series = this.series.get(key);
    if (!series) this.series.set(key, (series = { values, counts: new Float64Array(this.buckets.length), sum: 0, count: 0 }));
    const s = series;
    const buckets = this.buckets;
    return {
      observe(value) {
        s.sum += value;
        s.count++;
        // Non-cumulative per bucket here; cumulated when rendered.
        for (let i = 0; i < buckets.length; i++) {
          if (value <= buckets[i]!) {
            s.counts[i]!++;
            return;
          }
        }
      },
    };
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const s of this.series.values()) {
      let cumulative = 0;
      this.buckets.forEach((le, i) => {
        cumulative += s.counts[i]!;
        lines.push(`${this.name}_bucket${labelText(this.labelNames, s.values, `le="${le}"`)} ${cumulative}`);
      });
      lines.push(`${this.name}_bucket${labelText(this.labelNames, s.values, 'le="+Inf"')} ${s.count}`);
      lines.push(`${this.name}_sum${labelText(this.labelNames, s.values)} ${s.sum}`);
      lines.push(`${this.name}_count${labelText(this.labelNames, s.values)} ${s.count}`);
    }
    return lines.join('\n');
  }
}
