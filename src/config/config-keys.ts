/**
 * Flattens the configuration schema into its leaf keys, so the environment loader, the redactor
 * and the docs generator all read one source of truth.
 */
import { z } from 'zod';
import { configSchema, type KeyMeta } from './schema.js';

export type KeyKind = 'string' | 'number' | 'boolean' | 'array' | 'enum' | 'record';

export interface ConfigKey {
  readonly path: readonly string[];
  readonly dotted: string;
  readonly env: string;
  readonly kind: KeyKind;
  readonly enumValues?: readonly string[];
  readonly defaultValue: unknown;
  readonly meta: KeyMeta;
}

type AnySchema = z.core.$ZodType;

const WRAPPERS = new Set(['default', 'prefault', 'optional', 'nullable', 'readonly']);

function defOf(s: AnySchema): { type: string; innerType?: AnySchema; shape?: Record<string, AnySchema>; entries?: Record<string, string>; defaultValue?: unknown } {
  return (s as unknown as { _zod: { def: never } })._zod.def;
}

function unwrap(s: AnySchema): { inner: AnySchema; defaultValue: unknown; meta: KeyMeta | undefined } {
  let cur = s;
  let defaultValue: unknown;
  let meta = z.globalRegistry.get(cur) as KeyMeta | undefined;
  for (;;) {
    const def = defOf(cur);
    if (!WRAPPERS.has(def.type) || !def.innerType) break;
    if (def.type === 'default' && defaultValue === undefined) defaultValue = def.defaultValue;
    cur = def.innerType;
    meta ??= z.globalRegistry.get(cur) as KeyMeta | undefined;
  }
  return { inner: cur, defaultValue, meta };
}

function envNameFor(path: readonly string[]): string {
  const snake = (p: string) => p.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
  return `PORTICO_${path.map(snake).join('__')}`;
}

function kindOf(type: string): KeyKind {
  switch (type) {
    case 'number':
    case 'int':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'array':
      return 'array';
    case 'enum':
      return 'enum';
    case 'record':
      return 'record';
    default:
      return 'string';
  }
}

function walk(schema: AnySchema, path: string[], out: ConfigKey[]): void {
  const { inner, defaultValue, meta } = unwrap(schema);
  const def = defOf(inner);
  if (def.type === 'object' && def.shape) {
    for (const [key, child] of Object.entries(def.shape)) walk(child, [...path, key], out);
    return;
  }
  const m = meta ?? { description: '' };
  out.push({
    path,
    dotted: path.join('.'),
    env: m.env ?? envNameFor(path),
    kind: kindOf(def.type),
    ...(def.type === 'enum' && def.entries ? { enumValues: Object.values(def.entries) } : {}),
    defaultValue,
    meta: m,
  });
}

let cached: readonly ConfigKey[] | undefined;

/** Every leaf key of the configuration schema, in declaration order. */
export function configKeys(): readonly ConfigKey[] {
  if (!cached) {
    const out: ConfigKey[] = [];
    walk(configSchema, [], out);
    cached = Object.freeze(out);
  }
  return cached;
}

/** Names of the top-level and nested sections, for "did you mean" style messages. */
export function knownKeysUnder(path: readonly string[]): string[] {
  const prefix = path.join('.');
  const names = new Set<string>();
  for (const k of configKeys()) {
    if (prefix && !k.dotted.startsWith(`${prefix}.`)) continue;
    const rest = k.path.slice(path.length);
    if (rest[0]) names.add(rest[0]);
  }
  return [...names];
}
