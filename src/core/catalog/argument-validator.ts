/**
 * Compiles JSON Schema 2020-12 argument schemas once, at registration, into fast validators.
 * Unknown keywords (e.g. `x-mcp-header`) are allowed: schemas come from providers and upstreams.
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { PorticoError } from '../errors.js';
import type { JsonObject } from './mcp-shapes.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

export interface ArgumentIssue {
  path: string;
  message: string;
}

export type ArgumentValidator = (args: unknown) => ArgumentIssue[] | undefined;

let shared: Ajv2020 | undefined;
function ajv(): Ajv2020 {
  if (!shared) {
    shared = new Ajv2020({ strict: false, allErrors: true, validateFormats: true, allowUnionTypes: true });
    addFormats(shared);
  }
  return shared;
}

function describe(errors: readonly ErrorObject[]): ArgumentIssue[] {
  return errors.map((e) => {
    const path = e.instancePath || '/';
    if (e.keyword === 'additionalProperties') return { path, message: `unexpected property "${(e.params as { additionalProperty: string }).additionalProperty}"` };
    if (e.keyword === 'required') return { path, message: `missing required property "${(e.params as { missingProperty: string }).missingProperty}"` };
    return { path, message: e.message ?? 'is invalid' };
  });
}

/**
 * Compile a validator for an argument schema. Schemas that declare another draft in `$schema` are
 * compiled as 2020-12 without that declaration: the keywords agents use mean the same in both.
 */
export function compileArgumentValidator(schema: JsonObject, label: string): ArgumentValidator {
  let fn: ValidateFunction;
  try {
    const { $schema, $id: _id, ...rest } = schema;
    const portable = typeof $schema === 'string' && !$schema.includes('2020-12') ? rest : { ...rest, ...($schema ? { $schema } : {}) };
    fn = ajv().compile(portable);
  } catch (err) {
    throw new PorticoError('bad_request', `${label} has an invalid JSON Schema: ${(err as Error).message}`);
  }
  return (args) => (fn(args) ? undefined : describe(fn.errors ?? []));
}

export function formatIssues(issues: readonly ArgumentIssue[]): string {
  return issues.map((i) => (i.path === '/' ? i.message : `${i.path}: ${i.message}`)).join('; ');
}
