/**
 * The catalog: every tool, resource, resource template and prompt Portico exposes, indexed for O(1)
 * lookup on the hot path. Providers add, replace and remove entries at run time; each mutation bumps
 * `version` and emits a change event (surfaces turn them into `list_changed` notifications).
 * Work that can be done once — argument validators, URI template parsing, descriptors — is done
 * when an entry is registered, never per call.
 */
import { UriTemplate } from '@modelcontextprotocol/server';
import { PorticoError } from '../errors.js';
import { permissionFor } from '../identity/permissions.js';
import { compileArgumentValidator, type ArgumentValidator } from './argument-validator.js';
import type { CatalogEntry, EntryKind, PromptEntry, ResourceEntry, ResourceTemplateEntry, ToolEntry } from './entries.js';
import type { PromptDescriptor, ResourceDescriptor, ResourceTemplateDescriptor, ToolDescriptor } from './mcp-shapes.js';

export type ListKind = 'tools' | 'resources' | 'resourceTemplates' | 'prompts';

/** Emitted after every mutation. `lists` names the lists whose content changed. */
export interface CatalogChange {
  readonly version: number;
  readonly lists: readonly ListKind[];
}

export interface CompiledTool {
  readonly entry: ToolEntry;
  readonly permission: string;
  /** A second permission needed with `permission` (see CatalogEntry.requires). */
  readonly requires: string | undefined;
  /** For read-only tools with the default permission: `tools:read:{name}` grants use too. */
  readonly readPermission?: string;
  readonly descriptor: ToolDescriptor;
  readonly validate: ArgumentValidator;
}
export interface CompiledResource {
  readonly entry: ResourceEntry;
  readonly permission: string;
  /** A second permission needed with `permission` (see CatalogEntry.requires). */
  readonly requires: string | undefined;
  readonly descriptor: ResourceDescriptor;
}
export interface CompiledTemplate {
  readonly entry: ResourceTemplateEntry;
  /** Permission pattern for listing; reads check `resources:read:{uri}` against the principal too. */
  readonly permission: string;
  /** A second permission needed with `permission` (see CatalogEntry.requires). */
  readonly requires: string | undefined;
  readonly template: UriTemplate;
  readonly descriptor: ResourceTemplateDescriptor;
}
export interface CompiledPrompt {
  readonly entry: PromptEntry;
  readonly permission: string;
  /** A second permission needed with `permission` (see CatalogEntry.requires). */
  readonly requires: string | undefined;
  readonly descriptor: PromptDescriptor;
  readonly required: readonly string[];
}

/** MCP tool names: 1–64 of letters, digits, `_`, `-`, `.`, `/`. */
const TOOL_NAME = /^[A-Za-z0-9_./-]{1,64}$/;
const LIST_OF: Record<EntryKind, ListKind> = { tool: 'tools', resource: 'resources', resourceTemplate: 'resourceTemplates', prompt: 'prompts' };

function keyOf(entry: CatalogEntry): string {
  switch (entry.kind) {
    case 'tool':
    case 'prompt':
      return entry.name;
    case 'resource':
      return entry.uri;
    case 'resourceTemplate':
      return entry.uriTemplate;
  }
}

function withOptional<T extends object>(base: T, extra: Record<string, unknown>): T {
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) (base as Record<string, unknown>)[k] = v;
  return base;
}

export interface Catalog {
  readonly version: number;
  /** Add entries; refuses a key already present unless `replace` is set. One change event per call. */
  add(entries: CatalogEntry | readonly CatalogEntry[], options?: { replace?: boolean }): void;
  /** Remove by kind and key (name, uri or uriTemplate); true if something was removed. */
  remove(kind: EntryKind, key: string): boolean;
  /** Remove every entry contributed by a source (a provider or upstream going away). */
  removeSource(source: string): number;
  tool(name: string): CompiledTool | undefined;
  resource(uri: string): CompiledResource | undefined;
  prompt(name: string): CompiledPrompt | undefined;
  template(uriTemplate: string): CompiledTemplate | undefined;
  /** The first template that matches a concrete URI, with the extracted variables. */
  matchTemplate(uri: string): { compiled: CompiledTemplate; variables: Record<string, string | string[]> } | undefined;
  tools(): readonly CompiledTool[];
  resources(): readonly CompiledResource[];
  templates(): readonly CompiledTemplate[];
  prompts(): readonly CompiledPrompt[];
  /** Subscribe to mutations; returns an unsubscribe function. */
  onChange(listener: (change: CatalogChange) => void): () => void;
  /** Providers call this when a resource's content changed (→ `resources/updated`). */
  resourceUpdated(uri: string): void;
  onResourceUpdated(listener: (uri: string) => void): () => void;
}

export function createCatalog(): Catalog {
  const tools = new Map<string, CompiledTool>();
  const resources = new Map<string, CompiledResource>();
  const templates = new Map<string, CompiledTemplate>();
  const prompts = new Map<string, CompiledPrompt>();
  const changeListeners = new Set<(c: CatalogChange) => void>();
  const updateListeners = new Set<(uri: string) => void>();
  let version = 0;
  // Snapshots are rebuilt lazily after a change, so listing never copies maps on the hot path.
  let snapshot: { tools: CompiledTool[]; resources: CompiledResource[]; templates: CompiledTemplate[]; prompts: CompiledPrompt[] } | undefined;

  const snap = () => (snapshot ??= { tools: [...tools.values()], resources: [...resources.values()], templates: [...templates.values()], prompts: [...prompts.values()] });

  /** Build everything an entry needs (validators, templates, descriptors); returns how to commit it. */
  function compile(entry: CatalogEntry): () => void {
    switch (entry.kind) {
      case 'tool': {
        if (!TOOL_NAME.test(entry.name)) throw new PorticoError('bad_request', `tool name "${entry.name}" must be 1-64 characters of letters, digits, _ - . /`);
        if (entry.inputSchema.type !== 'object') throw new PorticoError('bad_request', `tool ${entry.name}: inputSchema must have type "object"`);
        const descriptor = withOptional<ToolDescriptor>(
          { name: entry.name, description: entry.description, inputSchema: entry.inputSchema },
          { title: entry.title, outputSchema: entry.outputSchema, annotations: entry.annotations, icons: entry.icons, _meta: entry.meta },
        );
        const compiled: CompiledTool = {
          entry,
          permission: entry.permission ?? permissionFor.tool(entry.name),
          requires: entry.requires,
          ...(entry.permission === undefined && entry.annotations?.readOnlyHint === true ? { readPermission: permissionFor.readTool(entry.name) } : {}),
          descriptor: Object.freeze(descriptor),
          validate: compileArgumentValidator(entry.inputSchema, `tool ${entry.name}`),
        };
        return () => tools.set(entry.name, compiled);
      }
      case 'resource': {
        const descriptor = withOptional<ResourceDescriptor>(
          { uri: entry.uri, name: entry.name },
          { title: entry.title, description: entry.description, mimeType: entry.mimeType, size: entry.size, annotations: entry.annotations, icons: entry.icons, _meta: entry.meta },
        );
        const compiled: CompiledResource = {
          entry,
          permission: entry.permission ?? permissionFor.resource(entry.uri),
          requires: entry.requires,
          descriptor: Object.freeze(descriptor),
        };
        return () => resources.set(entry.uri, compiled);
      }
      case 'resourceTemplate': {
        let template: UriTemplate;
        try {
          template = new UriTemplate(entry.uriTemplate);
        } catch (err) {
          throw new PorticoError('bad_request', `resource template ${entry.uriTemplate} is not a valid RFC 6570 template: ${(err as Error).message}`);
        }
        const descriptor = withOptional<ResourceTemplateDescriptor>(
          { uriTemplate: entry.uriTemplate, name: entry.name },
          { title: entry.title, description: entry.description, mimeType: entry.mimeType, annotations: entry.annotations, icons: entry.icons, _meta: entry.meta },
        );
        const compiled: CompiledTemplate = {
          entry,
          permission: entry.permission ?? permissionFor.resource(entry.uriTemplate),
          requires: entry.requires,
          template,
          descriptor: Object.freeze(descriptor),
        };
        return () => templates.set(entry.uriTemplate, compiled);
      }
      case 'prompt': {
        const descriptor = withOptional<PromptDescriptor>(
          { name: entry.name, description: entry.description },
          { title: entry.title, arguments: entry.arguments, icons: entry.icons, _meta: entry.meta },
        );
        const compiled: CompiledPrompt = {
          entry,
          permission: entry.permission ?? permissionFor.prompt(entry.name),
          requires: entry.requires,
          descriptor: Object.freeze(descriptor),
          required: (entry.arguments ?? []).filter((a) => a.required).map((a) => a.name),
        };
        return () => prompts.set(entry.name, compiled);
      }
    }
  }

  function has(entry: CatalogEntry): boolean {
    const key = keyOf(entry);
    switch (entry.kind) {
      case 'tool':
        return tools.has(key);
      case 'resource':
        return resources.has(key);
      case 'resourceTemplate':
        return templates.has(key);
      case 'prompt':
        return prompts.has(key);
    }
  }

  function emit(lists: Set<ListKind>): void {
    if (lists.size === 0) return;
    version++;
    snapshot = undefined;
    const change: CatalogChange = Object.freeze({ version, lists: Object.freeze([...lists]) });
    for (const l of changeListeners) l(change);
  }

  function removeOne(kind: EntryKind, key: string): boolean {
    switch (kind) {
      case 'tool':
        return tools.delete(key);
      case 'resource':
        return resources.delete(key);
      case 'resourceTemplate':
        return templates.delete(key);
      case 'prompt':
        return prompts.delete(key);
    }
  }

  return {
    get version() {
      return version;
    },
    add(input, options = {}) {
      const entries = Array.isArray(input) ? (input as readonly CatalogEntry[]) : [input as CatalogEntry];
      const seen = new Set<string>();
      for (const e of entries) {
        const id = `${e.kind}:${keyOf(e)}`;
        if (seen.has(id) || (!options.replace && has(e))) throw new PorticoError('conflict', `${e.kind} "${keyOf(e)}" is already registered`);
        seen.add(id);
      }
      // Compile all first so a bad entry leaves the catalog untouched.
      const commits = entries.map(compile);
      for (const commit of commits) commit();
      emit(new Set(entries.map((e) => LIST_OF[e.kind])));
    },
    remove(kind, key) {
      const removed = removeOne(kind, key);
      if (removed) emit(new Set([LIST_OF[kind]]));
      return removed;
    },
    removeSource(source) {
      const lists = new Set<ListKind>();
      let count = 0;
      const sweep = <T extends { entry: CatalogEntry }>(map: Map<string, T>) => {
        for (const [key, value] of map) {
          if (value.entry.source === source) {
            map.delete(key);
            lists.add(LIST_OF[value.entry.kind]);
            count++;
          }
        }
      };
      sweep(tools);
      sweep(resources);
      sweep(templates);
      sweep(prompts);
      emit(lists);
      return count;
    },
    tool: (name) => tools.get(name),
    resource: (uri) => resources.get(uri),
    prompt: (name) => prompts.get(name),
    template: (t) => templates.get(t),
    matchTemplate(uri) {
      for (const compiled of snap().templates) {
        const variables = compiled.template.match(uri);
        if (variables) return { compiled, variables };
      }
      return undefined;
    },
    tools: () => snap().tools,
    resources: () => snap().resources,
    templates: () => snap().templates,
    prompts: () => snap().prompts,
    onChange(listener) {
      changeListeners.add(listener);
      return () => changeListeners.delete(listener);
    },
    resourceUpdated(uri) {
      for (const l of updateListeners) l(uri);
    },
    onResourceUpdated(listener) {
      updateListeners.add(listener);
      return () => updateListeners.delete(listener);
    },
  };
}
