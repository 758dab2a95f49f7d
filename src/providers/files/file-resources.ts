/**
 * File roots as MCP resources: `portico://<root>` lists a root, `portico://<root>/{+path}` reads a
 * file (text types as text, others as base64) or lists a directory (JSON). Both need `files:read`;
 * the template's reads also need `resources:read:<uri>` like every template (pipeline), so a role
 * can be narrowed to part of a root.
 */
import type { Completer, ResourceEntry, ResourceTemplateEntry } from '../../core/catalog/entries.js';
import type { ReadResourceResult } from '../../core/catalog/mcp-shapes.js';
import { PorticoError } from '../../core/errors.js';
import { FILES_READ } from './file-permissions.js';
import type { DirectoryListing, FileRootInfo, FilesService } from './files-service.js';
import { isTextMime } from './mime.js';

export const LISTING_MIME = 'application/json';

function listingResult(uri: string, listing: DirectoryListing): ReadResourceResult {
  return { contents: [{ uri, mimeType: LISTING_MIME, text: JSON.stringify(listing, null, 2) }] };
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function decodeText(bytes: Buffer): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** Read a path in a root as a resource: a directory lists, a file is returned whole. */
export async function readPath(files: FilesService, root: string, path: string, uri: string, signal?: AbortSignal): Promise<ReadResourceResult> {
  const entry = await files.stat(root, path);
  if (entry.kind === 'directory') return listingResult(uri, await files.list(root, path));
  const content = await files.read(root, path, signal ? { signal } : {});
  const text = isTextMime(content.mimeType) ? decodeText(content.bytes) : undefined;
  return {
    contents: [
      text !== undefined ? { uri, mimeType: content.mimeType, text } : { uri, mimeType: content.mimeType, blob: content.bytes.toString('base64') },
    ],
  };
}

/** Completes `{+path}` from the directory named so far: `blog/p` → `blog/post.html`. */
function pathCompleter(files: FilesService, root: string): Completer {
  return async (value) => {
    const cut = value.lastIndexOf('/');
    const dir = cut === -1 ? '' : value.slice(0, cut);
    const prefix = value.slice(cut + 1);
    try {
      const listing = await files.list(root, dir);
      const values = listing.entries.filter((e) => e.name.startsWith(prefix)).map((e) => (e.kind === 'directory' ? `${e.path}/` : e.path));
      return { values: values.slice(0, 100), total: values.length, hasMore: values.length > 100 };
    } catch (err) {
      // A half-typed path that does not resolve simply has no completions.
      if (err instanceof PorticoError) return { values: [] };
      throw err;
    }
  };
}

function rootEntries(files: FilesService, root: FileRootInfo, source: string): [ResourceEntry, ResourceTemplateEntry] {
  const access = root.writable ? 'read-write' : 'read-only';
  return [
    {
      kind: 'resource',
      source,
      uri: root.uri,
      name: root.name,
      title: `Files: ${root.name}`,
      description: `${root.description ?? `The ${root.name} file root.`} Directory listing as JSON (${access}).`,
      mimeType: LISTING_MIME,
      permission: FILES_READ,
      read: async (uri) => listingResult(uri, await files.list(root.name, '')),
    },
    {
      kind: 'resourceTemplate',
      source,
      uriTemplate: `${root.uri}/{+path}`,
      name: `${root.name}-file`,
      title: `File in ${root.name}`,
      description: `A file in the ${root.name} root (${access}): text as text, binary as base64; a directory gives its listing as JSON.`,
      permission: FILES_READ,
      read: (uri, variables, ctx) => {
        const raw = variables.path;
        const path = Array.isArray(raw) ? raw.join('/') : (raw ?? '');
        return readPath(files, root.name, path, uri, ctx.signal);
      },
      complete: { path: pathCompleter(files, root.name) },
    },
  ];
}

export function fileResources(files: FilesService, source: string): (ResourceEntry | ResourceTemplateEntry)[] {
  return files.roots().flatMap((root) => rootEntries(files, root, source));
}
