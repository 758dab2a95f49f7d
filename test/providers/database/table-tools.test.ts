/**
 * The generated table tools on the demo tables, on SQLite and PostgreSQL: search with text, typed
 * filters, ordering and cursors; get; create/update/delete with their permissions; the analyses;
 * the resources; and hostile input through every argument that reaches SQL.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ITEM_COUNT, DEMO_SUBSCRIPTION_COUNT, demoItems, demoSubscriptions } from '../../../src/providers/database/demo-data.js';
import { activeDialects } from '../../helpers/dialects.js';
import { startDatabaseHarness, type DatabaseHarness } from './database-harness.js';

interface Item {
  id: number;
  name: string;
  description: string | null;
  price: number;
  category: string;
  created_at: string;
}
interface Page<T> {
  results: T[];
  returned_count: number;
  total_found: number;
  next_cursor: string | null;
}

const items = demoItems();
const subscriptions = demoSubscriptions();

describe.each(activeDialects)('database provider table tools [%s]', (dialect) => {
  let h: DatabaseHarness;
  beforeAll(async () => {
    h = await startDatabaseHarness(dialect);
  });

  it('generates the seed tool names, visible by role', () => {
    const seedNames = ['search_items', 'get_item', 'create_item', 'update_item', 'delete_item', 'analyze_items', 'search_subscriptions', 'create_subscription', 'search_users', 'manage_users', 'database'];
    expect(h.toolNames('admin')).toEqual(expect.arrayContaining(seedNames));
    const user = h.toolNames('user');
    expect(user).toEqual(expect.arrayContaining(['search_items', 'create_item', 'update_item', 'analyze_items', 'create_subscription', 'search_users']));
    // Deleting rows, raw SQL and user management are for admins.
    expect(user).not.toContain('delete_item');
    expect(user).not.toContain('database');
    expect(user).not.toContain('manage_users');
    // readonly sees exactly the read-only tools.
    expect(h.toolNames('readonly').sort()).toEqual(['analyze_items', 'analyze_subscriptions', 'get_item', 'get_subscription', 'search_items', 'search_subscriptions', 'search_users'].sort());
  });

  it('derives argument schemas from the column types', () => {
    const tools = Object.fromEntries(h.runtime.pipeline.listTools(h.scope('admin')).map((t) => [t.name, t]));
    const search = tools.search_items!.inputSchema as { properties: Record<string, Record<string, unknown>> };
    expect(search.properties.min_price).toMatchObject({ type: 'number' });
    expect(search.properties.created_at_from).toMatchObject({ type: 'string' });
    expect(search.properties.category!.examples).toEqual(['books', 'clothing', 'electronics', 'garden', 'home', 'kitchen', 'sports', 'toys']);
    expect(search.properties.limit).toMatchObject({ maximum: 100 });
    const create = tools.create_item!.inputSchema as { required: string[]; properties: Record<string, unknown> };
    expect(create.required.sort()).toEqual(['category', 'name', 'price']);
    expect(create.properties).not.toHaveProperty('id');
    const sub = tools.search_subscriptions!.inputSchema as { properties: Record<string, Record<string, unknown>> };
    expect(sub.properties.is_active).toMatchObject({ type: 'boolean' });
  });

  it('seeded the demo rows', async () => {
    const all = await h.ok<Page<Item>>('search_items', { limit: 1 });
    expect(all.total_found).toBe(DEMO_ITEM_COUNT);
    const subs = await h.ok<Page<unknown>>('search_subscriptions', { limit: 1 });
    expect(subs.total_found).toBe(DEMO_SUBSCRIPTION_COUNT);
  });

  it('searches text case-insensitively over the searchable columns', async () => {
    const page = await h.ok<Page<Item>>('search_items', { query: 'LAMP', limit: 100 });
    const expected = items.filter((i) => `${i.name} ${i.description}`.toLowerCase().includes('lamp'));
    expect(page.total_found).toBe(expected.length);
    expect(page.results.map((r) => r.name).sort()).toEqual(expected.map((i) => i.name).sort());
  });

  it('filters by category (one or several), price range and dates', async () => {
    const books = await h.ok<Page<Item>>('search_items', { category: 'books', limit: 100 });
    expect(books.total_found).toBe(items.filter((i) => i.category === 'books').length);
    expect(books.results.every((r) => r.category === 'books')).toBe(true);
    const two = await h.ok<Page<Item>>('search_items', { category: ['books', 'toys'], limit: 1 });
    expect(two.total_found).toBe(items.filter((i) => i.category === 'books' || i.category === 'toys').length);
    const priced = await h.ok<Page<Item>>('search_items', { min_price: 100, max_price: 200, limit: 100 });
    expect(priced.total_found).toBe(items.filter((i) => i.price >= 100 && i.price <= 200).length);
    expect(priced.results.every((r) => r.price >= 100 && r.price <= 200)).toBe(true);
    const march = await h.ok<Page<Item>>('search_items', { created_at_from: '2026-03-01', created_at_to: '2026-03-31', limit: 100 });
    expect(march.total_found).toBe(items.filter((i) => i.created_at >= '2026-03-01' && i.created_at < '2026-04-01').length);
    expect(march.total_found).toBeGreaterThan(0);
    const active = await h.ok<Page<{ is_active: boolean }>>('search_subscriptions', { is_active: false, limit: 100 });
    expect(active.total_found).toBe(subscriptions.filter((s) => !s.is_active).length);
    expect(active.results.every((s) => s.is_active === false)).toBe(true);
  });

  it('orders and pages with an opaque cursor, without overlap or gaps', async () => {
    const seen: Item[] = [];
    let cursor: string | null | undefined;
    let pages = 0;
    do {
      const page: Page<Item> = await h.ok('search_items', { category: 'kitchen', order_by: 'price', order: 'desc', limit: 7, ...(cursor ? { cursor } : {}) });
      seen.push(...page.results);
      cursor = page.next_cursor;
      pages++;
    } while (cursor);
    const expected = items.filter((i) => i.category === 'kitchen');
    expect(seen).toHaveLength(expected.length);
    expect(new Set(seen.map((s) => s.id)).size).toBe(expected.length);
    expect(pages).toBe(Math.ceil(expected.length / 7));
    const prices = seen.map((s) => s.price);
    expect(prices).toEqual([...prices].sort((a, b) => b - a));
  });

  it('refuses a cursor from another search, a forged cursor and a limit above 100', async () => {
    const first = await h.ok<Page<Item>>('search_items', { category: 'books', limit: 5 });
    expect(await h.fails('search_items', { category: 'toys', limit: 5, cursor: first.next_cursor })).toMatch(/cursor is invalid/);
    const forged = Buffer.from(JSON.stringify({ o: -5, f: 'x' })).toString('base64url');
    expect(await h.fails('search_items', { cursor: forged })).toMatch(/cursor is invalid/);
    expect(await h.fails('search_items', { limit: 101 })).toMatch(/Invalid arguments/);
    expect(await h.fails('search_items', { order_by: 'price; drop table items' })).toMatch(/Invalid arguments/);
    expect(await h.fails('search_items', { no_such_column: 1 })).toMatch(/Invalid arguments/);
  });

  it('treats hostile text in search and filters as plain values', async () => {
    for (const query of ["' OR 1=1 --", '%', '_', '\\', "'); DROP TABLE items; --", '" OR ""="']) {
      const page = await h.ok<Page<Item>>('search_items', { query });
      expect(page.total_found, query).toBe(0);
    }
    expect((await h.ok<Page<Item>>('search_items', { category: "books' OR '1'='1" })).total_found).toBe(0);
    expect((await h.ok<Page<Item>>('search_items', { category: ['x', "') OR 1=1 --"] })).total_found).toBe(0);
    expect(await h.fails('search_items', { min_price: '0 OR 1=1' })).toMatch(/Invalid arguments/);
    expect(await h.fails('search_items', { created_at_from: "2026-01-01' OR '1'='1" })).toMatch(/Invalid arguments/);
    // The table is intact.
    expect((await h.ok<Page<Item>>('search_items', { limit: 1 })).total_found).toBeGreaterThanOrEqual(DEMO_ITEM_COUNT);
  });

  it('gets one row, and says so when there is none', async () => {
    const first = (await h.ok<Page<Item>>('search_items', { limit: 1 })).results[0]!;
    expect(await h.ok('get_item', { id: first.id })).toEqual({ item: first });
    expect(await h.fails('get_item', { id: 999_999 })).toMatch(/No item with id 999999/);
  });

  it('creates, updates and deletes with db:write / db:delete', async () => {
    const created = await h.ok<{ item: Item }>('create_item', { name: 'Portico Mug', description: 'Ceramic, 300 ml', price: 12.5, category: 'kitchen' }, 'ai_agent');
    expect(created.item).toMatchObject({ name: 'Portico Mug', price: 12.5, category: 'kitchen' });
    expect(Date.now() - Date.parse(created.item.created_at)).toBeLessThan(60_000);
    const found = await h.ok<Page<Item>>('search_items', { query: 'portico mug' });
    expect(found.results.map((r) => r.id)).toEqual([created.item.id]);
    const updated = await h.ok<{ item: Item }>('update_item', { id: created.item.id, price: 14 }, 'user');
    expect(updated.item).toMatchObject({ id: created.item.id, price: 14, name: 'Portico Mug' });
    expect(await h.fails('update_item', { id: created.item.id })).toMatch(/Nothing to change/);
    // readonly cannot write; user cannot delete (both: the tool does not exist for them).
    expect(await h.call('create_item', { name: 'x', price: 1, category: 'toys' }, 'readonly').catch((e: Error) => e.message)).toMatch(/Unknown tool/);
    expect(await h.call('delete_item', { id: created.item.id }, 'user').catch((e: Error) => e.message)).toMatch(/Unknown tool/);
    expect(await h.ok('delete_item', { id: created.item.id }, 'admin')).toEqual({ deleted: updated.item });
    expect(await h.fails('get_item', { id: created.item.id })).toMatch(/No item/);
    expect(await h.fails('delete_item', { id: created.item.id }, 'admin')).toMatch(/No item/);
  });

  it('turns constraint violations into clear tool errors', async () => {
    const email = `new-${dialect}@example.com`;
    const created = await h.ok<{ subscription: { email: string; is_active: boolean } }>('create_subscription', { email });
    expect(created.subscription).toMatchObject({ email, is_active: true });
    expect(await h.fails('create_subscription', { email })).toBe(`${email} is already subscribed.`);
    expect(await h.fails('create_subscription', { email: subscriptions[0]!.email })).toBe(`${subscriptions[0]!.email} is already subscribed.`);
    expect(await h.fails('create_item', { name: 'Negative', price: -1, category: 'toys' })).toMatch(/break a rule of the items table/);
    expect(await h.fails('create_item', { name: 'No price', category: 'toys' })).toMatch(/Invalid arguments/);
  });

  it('analyses distribution, breakdown and trend, under seed and own names', async () => {
    const prices = items.map((i) => i.price).sort((a, b) => a - b);
    const dist = await h.ok<{ count: number; min: number; max: number; mean: number; median: number; buckets: { count: number }[] }>('analyze_items', { analysis_type: 'price_distribution', buckets: 5 });
    expect(dist).toMatchObject({ analysis: 'distribution', column: 'price', count: items.length, min: prices[0], max: prices.at(-1) });
    expect(dist.mean).toBeCloseTo(prices.reduce((a, b) => a + b, 0) / prices.length, 3);
    expect(dist.median).toBeCloseTo((prices[items.length / 2 - 1]! + prices[items.length / 2]!) / 2, 3);
    expect(dist.buckets).toHaveLength(5);
    expect(dist.buckets.reduce((a, b) => a + b.count, 0)).toBe(items.length);
    expect(await h.ok('analyze_items', { analysis_type: 'distribution', buckets: 5 })).toEqual(dist);

    const breakdown = await h.ok<{ total_categories: number; categories: { value: string; count: number; mean_price: number }[] }>('analyze_items', { analysis_type: 'category_breakdown' });
    expect(breakdown.total_categories).toBe(8);
    const books = items.filter((i) => i.category === 'books');
    expect(breakdown.categories.find((c) => c.value === 'books')).toMatchObject({ count: books.length });
    expect(breakdown.categories.find((c) => c.value === 'books')!.mean_price).toBeCloseTo(books.reduce((a, b) => a + b.price, 0) / books.length, 3);

    const trend = await h.ok<{ periods: { period: string; count: number }[]; total: number }>('analyze_items', { analysis_type: 'trend_analysis', interval: 'month' });
    const byMonth = new Map<string, number>();
    for (const i of items) byMonth.set(i.created_at.slice(0, 7), (byMonth.get(i.created_at.slice(0, 7)) ?? 0) + 1);
    expect(trend.periods).toEqual([...byMonth.entries()].sort().map(([period, count]) => expect.objectContaining({ period, count })));
    const weeks = await h.ok<{ periods: { period: string; count: number }[]; total: number }>('analyze_items', { analysis_type: 'trend', interval: 'week', date_range: { start_date: '2026-10-01', end_date: '2026-10-31' } });
    const october = items.filter((i) => i.created_at.startsWith('2026-10'));
    expect(weeks.total).toBe(october.length);
    expect(weeks.periods.every((p) => new Date(`${p.period}T00:00:00Z`).getUTCDay() === 1)).toBe(true);
    const days = await h.ok<{ periods: { period: string }[] }>('analyze_items', { analysis_type: 'trend', interval: 'day', category: 'toys', created_at_from: '2026-10-01' });
    expect(days.periods.every((p) => /^2026-10-\d\d$/.test(p.period))).toBe(true);
    expect(await h.fails('analyze_items', { analysis_type: 'distribution', column: 'category' })).toMatch(/numeric column/);
    expect(await h.fails('analyze_items', { analysis_type: 'bogus' })).toMatch(/Invalid arguments/);
  });

  it('serves rows as a paginated resource and one row by template', async () => {
    const first = (await h.read('portico://db/items')) as { rows: Item[]; total: number; next: string };
    expect(first.rows).toHaveLength(50);
    expect(first.total).toBeGreaterThanOrEqual(DEMO_ITEM_COUNT);
    const second = (await h.read(first.next)) as { rows: Item[] };
    expect(second.rows[0]!.id).toBeGreaterThan(first.rows.at(-1)!.id);
    const one = await h.read(`portico://db/items/${first.rows[3]!.id}`);
    expect(one).toEqual(first.rows[3]);
    await expect(h.read('portico://db/items/999999')).rejects.toThrow(/No item/);
    await expect(h.read("portico://db/items/1%20OR%201=1")).rejects.toThrow(/No item/);
  });
});
