/**
 * The `filesystem` tool of seed 004 (`read`, `write`, `list`, `delete`, `create_dir`), confined to
 * the file roots. Paths are `<root>/<path in the root>` (`templates/index.html`); `""` lists the
 * roots; a resource URI (`portico://templates/index.html`) is accepted too.
 *
 * Two tools, so a principal without write access never sees write-capable behaviour:
 * `filesystem` (all five operations) needs `files:write` to be seen at all — and `files:read` for
 * its read operations; `filesystem_read` (`read`, `list`, annotated read-only) needs `files:read`.
 */
import type { ToolEntry } from '../../core/catalog/entries.js';
import type { Catalog } from '../../core/catalog/catalog.js';
import type { CallToolResult, ContentBlock, JsonObject } from '../../core/catalog/mcp-shapes.js';
import type { ExecutionContext } from '../../core/pipeline/execution-context.js';
import { PorticoError } from '../../core/errors.js';
import { guarded, ok, requirePermission } from '../tool-results.js';
import { FILES_READ, FILES_WRITE } from './file-permissions.js';
import type { FilesService } from './files-service.js';
import { isTextMime } from './mime.js';
import { parseRelativePath } from './safe-path.js';

const READ_OPERATIONS = ['read', 'list'] as const;
const ALL_OPERATIONS = ['read', 'write', 'list', 'delete', 'create_dir'] as const;
type Operation = (typeof ALL_OPERATIONS)[number];

/** `templates/a/b.html` → root `templates`, path `a/b.html`, after the whole path passed the path gate. */
function splitRootPath(files: FilesService, scheme: string, input: string): { root: string | undefined; path: string } {
  const prefix = `${scheme}://`;
  const plain = input.startsWith(prefix) ? input.slice(prefix.length) : input;
  const segments = parseRelativePath(plain);
  if (segments.length === 0) return { root: undefined, path: '' };
  const [root, ...rest] = segments;
  if (!files.root(root!)) throw new PorticoError('not_found', `Unknown file root "${root}"; roots: ${files.roots().map((r) => r.name).join(', ') || 'none'}.`, { details: { root } });
  return { root, path: rest.join('/') };
}

function decodeContent(content: string, encoding: string): Buffer {
  if (encoding === 'utf8') return Buffer.from(content, 'utf8');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(content) || content.length % 4 === 1) throw new PorticoError('validation_failed', 'content is not valid base64.');
  return Buffer.from(content, 'base64');
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function describeBytes(bytes: number): string {
  return bytes < 1024 ? `${bytes} bytes` : `${(bytes / 1024).toFixed(1)} KiB`;
}

function inputSchema(operations: readonly string[], writes: boolean): JsonObject {
  const properties: JsonObject = {
    operation: { type: 'string', enum: [...operations], description: 'What to do.' },
    path: {
      type: 'string',
      maxLength: 1100,
      description: '`<root>/<path inside the root>`, e.g. `templates/index.html`; `""` lists the roots. Relative only: no `..`, no leading `/`, no `%`, no backslashes.',
    },
  };
  if (writes) {
    properties.content = { type: 'string', description: 'write: the file content (text, or base64 with encoding "base64").' };
    properties.encoding = { type: 'string', enum: ['utf8', 'base64'], default: 'utf8', description: 'write: how `content` is encoded.' };
    properties.recursive = { type: 'boolean', default: false, description: 'delete: also delete a non-empty directory with everything in it.' };
  }
  return { type: 'object', properties, required: ['operation', 'path'], additionalProperties: false };
}

export function filesystemTools(files: FilesService, catalog: Catalog, scheme: string, source: string): ToolEntry[] {
  /** Tell subscribers that a file and its directory listing changed. */
  const touched = (root: string, path: string) => {
    catalog.resourceUpdated(files.uriFor(root, path));
    const parent = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '';
    catalog.resourceUpdated(files.uriFor(root, parent));
  };

  async function read(root: string, path: string, ctx: ExecutionContext): Promise<CallToolResult> {
    const content = await files.read(root, path, { signal: ctx.signal });
    const meta: JsonObject = { ...content.entry, mimeType: content.mimeType };
    if (isTextMime(content.mimeType)) {
      try {
        return ok(strictUtf8.decode(content.bytes), { ...meta, encoding: 'utf8' });
      } catch {
        // Declared as text but not UTF-8: hand it over as bytes.
      }
    }
    const data = content.bytes.toString('base64');
    const block: ContentBlock = content.mimeType.startsWith('image/') && content.mimeType !== 'image/svg+xml'
      ? { type: 'image', data, mimeType: content.mimeType }
      : { type: 'resource', resource: { uri: content.entry.uri, mimeType: content.mimeType, blob: data } };
    return ok(`${root}/${path}: ${content.mimeType}, ${describeBytes(content.bytes.length)} (base64 below)`, { ...meta, encoding: 'base64' }, [block]);
  }

  async function list(root: string | undefined, path: string): Promise<CallToolResult> {
    if (root === undefined) {
      const roots = files.roots().map((r) => ({ ...r }));
      return ok(JSON.stringify({ roots }, null, 2), { roots });
    }
    const listing = await files.list(root, path);
    return ok(JSON.stringify(listing, null, 2), listing as unknown as JsonObject);
  }

  async function run(operation: Operation, args: JsonObject, ctx: ExecutionContext): Promise<CallToolResult> {
    const { root, path } = splitRootPath(files, scheme, String(args.path));
    if (operation === 'read' || operation === 'list') requirePermission(ctx.principal, FILES_READ, `filesystem ${operation}`);
    if (operation === 'list') return list(root, path);
    if (root === undefined) throw new PorticoError('path_not_allowed', `Path not allowed: ${operation} needs a path inside a root, e.g. templates/index.html.`);
    switch (operation) {
      case 'read':
        return read(root, path, ctx);
      case 'write': {
        if (typeof args.content !== 'string') throw new PorticoError('validation_failed', 'write needs `content`.');
        const bytes = decodeContent(args.content, typeof args.encoding === 'string' ? args.encoding : 'utf8');
        const entry = await files.write(root, path, bytes);
        touched(root, path);
        return ok(`Wrote ${describeBytes(bytes.length)} to ${root}/${path}.`, { ...entry });
      }
      case 'delete':
        await files.delete(root, path, { recursive: args.recursive === true });
        touched(root, path);
        return ok(`Deleted ${root}/${path}.`, { root, path, deleted: true });
      case 'create_dir': {
        const entry = await files.createDir(root, path);
        touched(root, path);
        return ok(`Directory ${root}/${path} is there.`, { ...entry });
      }
    }
  }

  const rootsText = files
    .roots()
    .map((r) => `${r.name} (${r.writable ? 'read-write' : 'read-only'})`)
    .join(', ');

  return [
    {
      kind: 'tool',
      source,
      name: 'filesystem',
      title: 'Files: read, write, list, delete, create directories',
      description: `Read, write, list and delete files and create directories inside the file roots: ${rootsText}. Writes are atomic; read-only roots refuse changes.`,
      permission: FILES_WRITE,
      inputSchema: inputSchema(ALL_OPERATIONS, true),
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
      handler: (args, ctx) => guarded(() => run(args.operation as Operation, args, ctx)),
    },
    {
      kind: 'tool',
      source,
      name: 'filesystem_read',
      title: 'Files: read and list',
      description: `Read files and list directories inside the file roots: ${rootsText}.`,
      permission: FILES_READ,
      inputSchema: inputSchema(READ_OPERATIONS, false),
      annotations: { readOnlyHint: true, openWorldHint: false },
      handler: (args, ctx) => guarded(() => run(args.operation as Operation, args, ctx)),
    },
  ];
}
