/**
 * The demo application's tables (`items`, `subscriptions`) and their rows, created once in
 * Portico's own database so a first start has real data behind `search_items`, `analyze_items`
 * and `create_subscription`. Rows come from a fixed-seed generator: the same on every install,
 * spread over twelve months and eight categories. A settings flag records that seeding happened,
 * so rows an operator deletes do not come back on the next start.
 */
import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../../store/schema.js';

export const DEMO_SEEDED_SETTING = 'demo_app.seeded';
export const DEMO_TABLES: ReadonlySet<string> = new Set(['items', 'subscriptions']);
export const DEMO_ITEM_COUNT = 320;
export const DEMO_SUBSCRIPTION_COUNT = 180;
/** Rows are dated in the twelve months before this instant (fixed, so analyses are reproducible). */
export const DEMO_END = Date.UTC(2026, 9, 31, 23, 59, 59);
const YEAR_MS = 365 * 86_400_000;

const CATEGORIES: Record<string, { nouns: string[]; adjectives: string[]; price: [number, number] }> = {
  electronics: { nouns: ['Notebook', 'Headphones', 'Monitor', 'Keyboard', 'Webcam', 'Speaker', 'Tablet', 'Charger'], adjectives: ['Wireless', 'Compact', 'Pro', 'Ultra', 'Portable'], price: [19, 2400] },
  books: { nouns: ['Cookbook', 'Novel', 'Field Guide', 'Atlas', 'Biography', 'Handbook'], adjectives: ['Illustrated', 'Pocket', 'Collected', 'Annotated', 'Classic'], price: [6, 80] },
  home: { nouns: ['Lamp', 'Rug', 'Vase', 'Clock', 'Cushion', 'Shelf', 'Mirror'], adjectives: ['Oak', 'Linen', 'Ceramic', 'Brass', 'Woven'], price: [12, 650] },
  kitchen: { nouns: ['Kettle', 'Skillet', 'Knife Set', 'Blender', 'Teapot', 'Cutting Board'], adjectives: ['Cast-Iron', 'Steel', 'Bamboo', 'Enamel', 'Glass'], price: [9, 480] },
  garden: { nouns: ['Planter', 'Hose', 'Trowel', 'Bird Feeder', 'Watering Can', 'Bench'], adjectives: ['Galvanised', 'Terracotta', 'Cedar', 'Folding', 'Solar'], price: [5, 900] },
  sports: { nouns: ['Yoga Mat', 'Water Bottle', 'Tent', 'Backpack', 'Helmet', 'Racket'], adjectives: ['Lightweight', 'Trail', 'Insulated', 'Carbon', 'All-Weather'], price: [8, 750] },
  toys: { nouns: ['Puzzle', 'Kite', 'Building Set', 'Board Game', 'Plush Bear', 'Train Set'], adjectives: ['Wooden', 'Giant', 'Magnetic', 'Family', 'Glow'], price: [4, 160] },
  clothing: { nouns: ['Jacket', 'Scarf', 'Sneakers', 'Hoodie', 'Raincoat', 'Beanie'], adjectives: ['Merino', 'Waterproof', 'Organic', 'Slim', 'Vintage'], price: [10, 380] },
};
const FIRST_NAMES = ['ada', 'alan', 'grace', 'linus', 'margaret', 'ken', 'barbara', 'dennis', 'frances', 'edsger', 'radia', 'tim', 'sophie', 'john', 'hedy', 'donald', 'katherine', 'guido', 'anita', 'bjarne'];
const DOMAINS = ['example.com', 'example.org', 'example.net', 'mail.example', 'corp.example'];

/** mulberry32: tiny, fast, and the same sequence everywhere for a given seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(rnd: () => number, list: readonly T[]): T => list[Math.floor(rnd() * list.length)]!;

export interface DemoItem {
  name: string;
  description: string;
  price: number;
  category: string;
  created_at: string;
}
export interface DemoSubscription {
  email: string;
  is_active: boolean;
  created_at: string;
}

/** Sorted by creation time, so ids grow with dates as in a real application. */
export function demoItems(count = DEMO_ITEM_COUNT): DemoItem[] {
  const rnd = random(0x17e45);
  const names = Object.keys(CATEGORIES);
  const rows: DemoItem[] = [];
  for (let i = 0; i < count; i++) {
    const category = names[i % names.length]!;
    const spec = CATEGORIES[category]!;
    const adjective = pick(rnd, spec.adjectives);
    const noun = pick(rnd, spec.nouns);
    // Skewed towards the cheap end, like real catalogues.
    const [lo, hi] = spec.price;
    const price = Math.round((lo + (hi - lo) * rnd() ** 2) * 100) / 100;
    // More items in recent months: a visible upward trend.
    const age = YEAR_MS * (1 - Math.sqrt(rnd()));
    rows.push({
      name: `${adjective} ${noun}`,
      description: `${adjective} ${noun.toLowerCase()} from our ${category} range, model ${100 + Math.floor(rnd() * 900)}.`,
      price,
      category,
      created_at: new Date(Math.floor(DEMO_END - age)).toISOString(),
    });
  }
  return rows.sort((a, b) => a.created_at.localeCompare(b.created_at));
}

export function demoSubscriptions(count = DEMO_SUBSCRIPTION_COUNT): DemoSubscription[] {
  const rnd = random(0x5ab5);
  const rows: DemoSubscription[] = [];
  for (let i = 0; i < count; i++) {
    rows.push({
      email: `${pick(rnd, FIRST_NAMES)}.${i + 1}@${pick(rnd, DOMAINS)}`,
      is_active: rnd() > 0.15,
      created_at: new Date(Math.floor(DEMO_END - YEAR_MS * rnd())).toISOString(),
    });
  }
  return rows.sort((a, b) => a.created_at.localeCompare(b.created_at));
}

/** Create the demo tables if missing (both dialects; idempotent). */
export async function createDemoTables(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  const pg = dialect === 'postgres';
  await db.schema
    .createTable('items')
    .ifNotExists()
    .addColumn('id', pg ? 'serial' : 'integer', (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('name', 'varchar(200)', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('price', pg ? 'double precision' : 'real', (c) => c.notNull().check(sql`price >= 0`))
    .addColumn('category', 'varchar(60)', (c) => c.notNull())
    .addColumn('created_at', pg ? 'timestamptz' : 'datetime', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('items_category_idx').ifNotExists().on('items').column('category').execute();
  await db.schema.createIndex('items_created_at_idx').ifNotExists().on('items').column('created_at').execute();
  await db.schema
    .createTable('subscriptions')
    .ifNotExists()
    .addColumn('id', pg ? 'serial' : 'integer', (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('email', 'varchar(320)', (c) => c.notNull().unique())
    .addColumn('is_active', 'boolean', (c) => c.notNull().defaultTo(pg ? sql`true` : 1))
    .addColumn('created_at', pg ? 'timestamptz' : 'datetime', (c) => c.notNull())
    .execute();
}

/**
 * Create the demo tables and fill them once. Returns whether rows were inserted. The flag and the
 * rows are written in one transaction, so two nodes starting together seed once; once the flag is
 * set nothing is created again.
 */
export async function seedDemoData(db: Kysely<unknown>, dialect: DialectName): Promise<boolean> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the demo tables are not in Portico's schema type
  const anyDb = db as Kysely<any>;
  // Seeded before: leave everything as the operator left it (even dropped tables stay dropped).
  if (await anyDb.selectFrom('settings').select('key').where('key', '=', DEMO_SEEDED_SETTING).executeTakeFirst()) return false;
  await createDemoTables(db, dialect);
  return anyDb.transaction().execute(async (trx) => {
    const now = new Date().toISOString();
    const claimed = await trx
      .insertInto('settings')
      .values({ key: DEMO_SEEDED_SETTING, value: JSON.stringify(now), updated_at: now })
      .onConflict((oc) => oc.column('key').doNothing())
      .executeTakeFirst();
    if (Number(claimed.numInsertedOrUpdatedRows ?? 0) === 0) return false;
    const toRow = (s: DemoSubscription) => ({ ...s, is_active: dialect === 'postgres' ? s.is_active : s.is_active ? 1 : 0 });
    for (const chunk of chunks(demoItems(), 100)) await trx.insertInto('items').values(chunk).execute();
    for (const chunk of chunks(demoSubscriptions().map(toRow), 100)) await trx.insertInto('subscriptions').values(chunk).execute();
    return true;
  });
}

function chunks<T>(rows: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}
