/**
 * Builds the effective configuration: schema defaults, then the config file (YAML or JSON), then the
 * environment, then CLI flags. Every refusal names the key, where the value came from, and the
 * expected form; callers (the CLI) turn a `config_invalid` error into exit code 2.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { PorticoError } from '../core/errors.js';
import { configKeys, knownKeysUnder, type ConfigKey } from './config-keys.js';
import { configSchema, type FrozenConfig } from './schema.js';

export interface ConfigSources {
  /** Path of a YAML/JSON config file; falls back to PORTICO_CONFIG. */
  configFile?: string | undefined;
  /** Environment to read (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** Values from CLI flags, by dotted key (`server.port`); strings are coerced like env values. */
  flags?: Record<string, unknown>;
}

type Tree = Record<string, unknown>;

function setPath(tree: Tree, path: readonly string[], value: unknown): void {
  let node = tree;
  for (const part of path.slice(0, -1)) {
    const next = node[part];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[part] = {};
    node = node[part] as Tree;
  }
  node[path[path.length - 1]!] = value;
}

function isPlainObject(v: unknown): v is Tree {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function deepMerge(base: Tree, over: Tree): Tree {
  const out: Tree = { ...base };
  for (const [k, v] of Object.entries(over)) {
    out[k] = isPlainObject(v) && isPlainObject(out[k]) ? deepMerge(out[k] as Tree, v) : v;
  }
  return out;
}

/** Environment and flag values arrive as text; read them as the key's kind expects. */
function coerce(key: ConfigKey, raw: unknown): unknown {
  if (typeof raw !== 'string') return raw;
  const text = raw.trim();
  switch (key.kind) {
    case 'number':
      return /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : raw;
    case 'boolean':
      if (/^(true|1|yes|on)$/i.test(text)) return true;
      if (/^(false|0|no|off)$/i.test(text)) return false;
      return raw;
    case 'array':
      return text === '' ? [] : text.split(',').map((s) => s.trim()).filter(Boolean);
    case 'record':
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return raw;
      }
    default:
      return raw;
  }
}

function readConfigFile(file: string): Tree {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new PorticoError('config_invalid', `config file ${file} cannot be read (${code})`);
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (err) {
    throw new PorticoError('config_invalid', `config file ${file} is not valid YAML or JSON: ${(err as Error).message.split('\n')[0]}`);
  }
  if (parsed === null || parsed === undefined) return {};
  if (!isPlainObject(parsed)) throw new PorticoError('config_invalid', `config file ${file} must contain a mapping of keys to values`);
  return parsed;
}

function expectedForm(key: ConfigKey | undefined): string {
  if (!key) return '';
  switch (key.kind) {
    case 'number':
      return ' (expected a number)';
    case 'boolean':
      return ' (expected true or false)';
    case 'array':
      return ' (expected a list; comma-separated in the environment)';
    case 'enum':
      return ` (expected one of: ${key.enumValues?.join(', ')})`;
    case 'record':
      return ' (expected a mapping; a JSON object in the environment)';
    default:
      return '';
  }
}

function describeIssues(issues: readonly z.core.$ZodIssue[], sources: Map<string, string>): string {
  const keysByPath = new Map(configKeys().map((k) => [k.dotted, k]));
  const lines = issues.map((issue) => {
    const path = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      const where = path.length ? `under "${path.join('.')}"` : 'at the top level';
      const unknown = issue.keys.map((k) => `"${[...path, k].join('.')}"`).join(', ');
      return `unknown key ${unknown} ${where}${sources.get(`${path.join('.')}.*`) ?? ''}; known keys: ${knownKeysUnder(path).join(', ')}`;
    }
    const dotted = path.join('.');
    const source = sources.get(dotted);
    return `${dotted}${source ? ` (from ${source})` : ''}: ${issue.message}${expectedForm(keysByPath.get(dotted))}`;
  });
  return `invalid configuration: ${lines.join('; ')}`;
}

/** Load, merge and validate configuration. Throws PorticoError('config_invalid') with a one-line reason. */
export function loadConfig(sources: ConfigSources = {}): FrozenConfig {
  const env = sources.env ?? process.env;
  const origin = new Map<string, string>();
  let tree: Tree = {};

  const file = sources.configFile ?? env.PORTICO_CONFIG;
  if (file) {
    const path = resolve(file);
    tree = readConfigFile(path);
    const mark = (node: Tree, prefix: string[]) => {
      origin.set(`${prefix.join('.')}.*`, ` in ${path}`);
      for (const [k, v] of Object.entries(node)) {
        const p = [...prefix, k];
        origin.set(p.join('.'), `config file ${path}`);
        if (isPlainObject(v)) mark(v, p);
      }
    };
    mark(tree, []);
  }

  const overlay: Tree = {};
  for (const key of configKeys()) {
    const raw = env[key.env];
    if (raw === undefined || raw === '') continue;
    setPath(overlay, key.path, coerce(key, raw));
    origin.set(key.dotted, `environment variable ${key.env}=${key.meta.secret ? '<redacted>' : JSON.stringify(raw)}`);
  }
  const flagKeys = new Map(configKeys().map((k) => [k.dotted, k]));
  for (const [dotted, value] of Object.entries(sources.flags ?? {})) {
    if (value === undefined) continue;
    const key = flagKeys.get(dotted);
    if (!key) throw new PorticoError('config_invalid', `unknown configuration key "${dotted}"`);
    setPath(overlay, key.path, coerce(key, value));
    origin.set(dotted, `flag ${key.meta.flag ?? dotted}=${JSON.stringify(value)}`);
  }
  tree = deepMerge(tree, overlay);

  const result = configSchema.safeParse(tree);
  if (!result.success) throw new PorticoError('config_invalid', describeIssues(result.error.issues, origin));
  return deepFreeze(result.data);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
