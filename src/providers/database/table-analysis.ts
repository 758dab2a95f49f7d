/**
 * `analyze_{table}`: distribution of a numeric column (buckets, min/max/mean/median), breakdown by
 * a category column, and trend over a date column by day/week/month. Aggregation runs in the
 * database; only the small results come back. Seed 002's names (`price_distribution`,
 * `category_breakdown`, `trend_analysis`) are accepted as aliases.
 */
import { sql } from 'kysely';
import { PorticoError } from '../../core/errors.js';
import type { JsonObject } from '../../core/catalog/mcp-shapes.js';
import { conditions } from './table-query.js';
import { filterProperties } from './table-schemas.js';
import { columnOf, type TableModel } from './table-model.js';

export const ANALYSIS_KINDS = ['distribution', 'breakdown', 'trend'] as const;
const ALIASES: Record<string, (typeof ANALYSIS_KINDS)[number]> = {
  distribution: 'distribution',
  breakdown: 'breakdown',
  trend: 'trend',
  price_distribution: 'distribution',
  category_breakdown: 'breakdown',
  trend_analysis: 'trend',
};

/** Analyses this table supports (those whose column kind it has). */
export function analysisNames(model: TableModel): string[] {
  const names: string[] = [];
  if (model.numeric.length) names.push('distribution', `${model.numeric.includes('price') ? 'price' : model.numeric[0]}_distribution`);
  if (model.categories.length) names.push('breakdown', 'category_breakdown');
  if (model.dates.length) names.push('trend', 'trend_analysis');
  return [...new Set(names)];
}

export function analyzeInputSchema(model: TableModel): JsonObject {
  const preferred = (list: readonly string[], name: string) => (list.includes(name) ? name : list[0]);
  return {
    type: 'object',
    properties: {
      analysis_type: { type: 'string', enum: analysisNames(model), description: 'distribution of a number, breakdown by a category, or trend over time.' },
      column: {
        type: 'string',
        enum: [...model.numeric, ...model.categories.map((c) => c.name), ...model.dates],
        description: `Column to analyse (default: ${[preferred(model.numeric, 'price'), model.categories[0]?.name, preferred(model.dates, 'created_at')].filter(Boolean).join(' / ')}).`,
      },
      ...(model.numeric.length ? { value_column: { type: 'string', enum: [...model.numeric], description: 'Numeric column summarised per category or period.' } } : {}),
      buckets: { type: 'integer', minimum: 1, maximum: 50, default: 8, description: 'Number of equal-width buckets (distribution).' },
      interval: { type: 'string', enum: ['day', 'week', 'month'], default: 'month', description: 'Period length (trend).' },
      ...(model.dates.length
        ? {
            date_range: {
              type: 'object',
              properties: { start_date: { type: 'string', format: 'date' }, end_date: { type: 'string', format: 'date' } },
              additionalProperties: false,
              description: `Only rows whose ${preferred(model.dates, 'created_at')} falls in this range (inclusive).`,
            },
          }
        : {}),
      ...(model.searchable.length ? { query: { type: 'string', maxLength: 200, description: `Only rows matching this text in ${model.searchable.join(', ')}.` } } : {}),
      ...filterProperties(model),
    },
    required: ['analysis_type'],
    additionalProperties: false,
  };
}

const round = (n: number) => Math.round(n * 10_000) / 10_000;

export async function analyze(model: TableModel, args: JsonObject): Promise<JsonObject> {
  const kind = ALIASES[String(args.analysis_type)] ?? (String(args.analysis_type).endsWith('_distribution') ? 'distribution' : undefined);
  if (!kind) throw new PorticoError('validation_failed', `Unknown analysis_type "${String(args.analysis_type)}".`);
  // Seed 002 names the column in the analysis (`price_distribution`).
  const named = String(args.analysis_type).match(/^(\w+)_distribution$/)?.[1];
  const dateColumn = model.dates.includes('created_at') ? 'created_at' : model.dates[0];
  const filterArgs: JsonObject = { ...args };
  const range = args.date_range as { start_date?: string; end_date?: string } | undefined;
  if (range && dateColumn) {
    if (range.start_date) filterArgs[`${dateColumn}_from`] = range.start_date;
    if (range.end_date) filterArgs[`${dateColumn}_to`] = range.end_date;
  }
  const where = conditions(model, filterArgs);
  const column = typeof args.column === 'string' ? args.column : undefined;
  switch (kind) {
    case 'distribution': {
      const name = column ?? (named && model.numeric.includes(named) ? named : model.numeric.includes('price') ? 'price' : model.numeric[0]);
      if (!name || !model.numeric.includes(name)) throw new PorticoError('validation_failed', `Distribution needs a numeric column (${model.numeric.join(', ') || 'this table has none'}).`);
      return { analysis: 'distribution', ...(await distribution(model, name, where, Number(args.buckets ?? 8))) };
    }
    case 'breakdown': {
      const name = column ?? model.categories[0]?.name;
      if (!name || !model.categories.some((c) => c.name === name)) {
        throw new PorticoError('validation_failed', `Breakdown needs a category column (${model.categories.map((c) => c.name).join(', ') || 'this table has none'}).`);
      }
      const value = valueColumn(model, args);
      return { analysis: 'breakdown', ...(await breakdown(model, name, value, where)) };
    }
    case 'trend': {
      const name = column ?? dateColumn;
      if (!name || !model.dates.includes(name)) throw new PorticoError('validation_failed', `Trend needs a date column (${model.dates.join(', ') || 'this table has none'}).`);
      const interval = args.interval === 'day' || args.interval === 'week' ? args.interval : 'month';
      return { analysis: 'trend', ...(await trend(model, name, interval, valueColumn(model, args), where)) };
    }
  }
}

function valueColumn(model: TableModel, args: JsonObject): string | undefined {
  if (typeof args.value_column === 'string') return model.numeric.includes(args.value_column) ? args.value_column : undefined;
  return model.numeric.includes('price') ? 'price' : model.numeric[0];
}

type Where = ReturnType<typeof conditions>;

async function distribution(model: TableModel, name: string, where: Where, bucketCount: number): Promise<JsonObject> {
  const db = model.connection.db;
  const ref = sql.ref(name);
  const stats = (await db
    .selectFrom(model.table)
    .select([sql<number>`count(${ref})`.as('n'), sql<number>`min(${ref})`.as('lo'), sql<number>`max(${ref})`.as('hi'), sql<number>`avg(${ref})`.as('mean')])
    .where(where)
    .executeTakeFirst()) as { n: number | string; lo: number | null; hi: number | null; mean: number | null };
  const count = Number(stats.n);
  if (count === 0) return { column: name, count: 0, min: null, max: null, mean: null, median: null, buckets: [] };
  const lo = Number(stats.lo);
  const hi = Number(stats.hi);
  // The median is the middle value (or the mean of the two middle values) in sorted order.
  const middle = await db
    .selectFrom(model.table)
    .select(ref.as('v'))
    .where(where)
    .where(ref, 'is not', null)
    .orderBy(ref)
    .limit(count % 2 === 0 ? 2 : 1)
    .offset(Math.floor((count - 1) / 2))
    .execute();
  const mids = middle.map((r) => Number((r as { v: unknown }).v));
  const median = mids.reduce((a, b) => a + b, 0) / mids.length;
  const buckets = Math.max(1, Math.min(50, Math.trunc(bucketCount)));
  const width = (hi - lo) / buckets;
  const counts = new Array<number>(buckets).fill(0);
  if (width > 0) {
    const real = sql.raw(model.connection.dialect === 'postgres' ? 'double precision' : 'real');
    const index =
      model.connection.dialect === 'postgres'
        ? sql<number>`floor((cast(${ref} as ${real}) - cast(${lo} as ${real})) / cast(${width} as ${real}))`
        : sql<number>`cast((cast(${ref} as ${real}) - ${lo}) / ${width} as integer)`;
    const grouped = await db.selectFrom(model.table).select([index.as('b'), sql<number>`count(*)`.as('n')]).where(where).where(ref, 'is not', null).groupBy(sql`1`).execute();
    for (const g of grouped as { b: number | string; n: number | string }[]) counts[Math.min(buckets - 1, Math.max(0, Number(g.b)))]! += Number(g.n);
  } else counts[0] = count;
  return {
    column: name,
    count,
    min: lo,
    max: hi,
    mean: round(Number(stats.mean)),
    median: round(median),
    buckets: counts.map((n, i) => ({ from: round(lo + i * width), to: round(i === buckets - 1 ? hi : lo + (i + 1) * width), count: n })),
  };
}

async function breakdown(model: TableModel, name: string, value: string | undefined, where: Where): Promise<JsonObject> {
  const ref = sql.ref(name);
  const aggregates = value ? [sql<number>`avg(${sql.ref(value)})`.as('mean'), sql<number>`sum(${sql.ref(value)})`.as('total')] : [];
  const rows = (await model.connection.db
    .selectFrom(model.table)
    .select([ref.as('value'), sql<number>`count(*)`.as('n'), ...aggregates])
    .where(where)
    .groupBy(ref)
    .orderBy(sql`count(*)`, 'desc')
    .orderBy(ref)
    .execute()) as { value: unknown; n: number | string; mean?: number | null; total?: number | null }[];
  const total = rows.reduce((a, r) => a + Number(r.n), 0);
  return {
    column: name,
    total,
    total_categories: rows.length,
    categories: rows.map((r) => ({
      value: r.value === null ? null : String(r.value),
      count: Number(r.n),
      share: total ? round(Number(r.n) / total) : 0,
      ...(value ? { [`mean_${value}`]: r.mean === null ? null : round(Number(r.mean)), [`total_${value}`]: r.total === null ? null : round(Number(r.total)) } : {}),
    })),
  };
}

/** Monday of the ISO week a `YYYY-MM-DD` day belongs to. */
function weekOf(day: string): string {
  const d = new Date(`${day}T00:00:00.000Z`);
  d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
  return d.toISOString().slice(0, 10);
}

async function trend(model: TableModel, name: string, interval: 'day' | 'week' | 'month', value: string | undefined, where: Where): Promise<JsonObject> {
  const column = columnOf(model, name)!;
  const ref = sql.ref(name);
  // Days as text in UTC, whatever the column type; months are a prefix of days, weeks fold in JS.
  const dayText =
    model.connection.dialect === 'postgres'
      ? column.declaredType.includes('with time zone')
        ? sql<string>`to_char(${ref} at time zone 'UTC', 'YYYY-MM-DD')`
        : sql<string>`substr(cast(${ref} as text), 1, 10)`
      : sql<string>`substr(cast(${ref} as text), 1, 10)`;
  const period = interval === 'month' ? sql<string>`substr(${dayText}, 1, 7)` : dayText;
  const aggregates = value ? [sql<number>`sum(${sql.ref(value)})`.as('total'), sql<number>`count(${sql.ref(value)})`.as('counted')] : [];
  const rows = (await model.connection.db
    .selectFrom(model.table)
    .select([period.as('p'), sql<number>`count(*)`.as('n'), ...aggregates])
    .where(where)
    .where(ref, 'is not', null)
    .groupBy(sql`1`)
    .orderBy(sql`1`)
    .execute()) as { p: string; n: number | string; total?: number | null; counted?: number | string }[];
  const periods = new Map<string, { count: number; total: number; counted: number }>();
  for (const r of rows) {
    const key = interval === 'week' ? weekOf(r.p) : r.p;
    const acc = periods.get(key) ?? { count: 0, total: 0, counted: 0 };
    acc.count += Number(r.n);
    acc.total += Number(r.total ?? 0);
    acc.counted += Number(r.counted ?? 0);
    periods.set(key, acc);
  }
  const list = [...periods.entries()].sort(([a], [b]) => a.localeCompare(b));
  const counts = list.map(([, v]) => v.count);
  return {
    column: name,
    interval,
    total: counts.reduce((a, b) => a + b, 0),
    periods: list.map(([p, v]) => ({
      period: p,
      count: v.count,
      ...(value ? { [`mean_${value}`]: v.counted ? round(v.total / v.counted) : null } : {}),
    })),
    // First vs last period: a quick "is it growing" answer for an agent.
    change: counts.length >= 2 ? { first: counts[0], last: counts[counts.length - 1], ratio: counts[0] ? round(counts[counts.length - 1]! / counts[0]) : null } : null,
  };
}


