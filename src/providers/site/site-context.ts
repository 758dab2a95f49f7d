/**
 * What the site tools share: the files service (from the files provider, through `services`), the
 * names of the roots they read, and the permission checks every tool makes before touching files.
 */
import type { SiteConfig } from '../../config/sections/site.js';
import { PorticoError } from '../../core/errors.js';
import type { Principal } from '../../core/identity/principal.js';
import type { ProviderServices } from '../services.js';
import { requirePermission } from '../tool-results.js';

export type FilesService = NonNullable<ProviderServices['files']>;
export type BlobService = NonNullable<ProviderServices['blobs']>;
export type FileEntry = Awaited<ReturnType<FilesService['walk']>>[number];

/** The files provider's read permission: the site tools read templates and images on the caller's behalf. */
export const FILES_READ = 'files:read';
export const BLOBS_WRITE = 'blobs:write';

export interface SiteContext {
  readonly services: ProviderServices;
  readonly config: SiteConfig;
  readonly scheme: string;
}

/** The files service and the root, or a clear refusal when files are off or the root is not configured. */
export function siteRoot(site: SiteContext, principal: Principal, which: 'templatesRoot' | 'staticRoot'): { files: FilesService; root: string } {
  requirePermission(principal, FILES_READ, 'Reading site files');
  const files = site.services.files;
  const root = site.config[which];
  if (!files) throw new PorticoError('unavailable', 'The files provider is not running (files.enabled is false), so there are no site files to read.');
  if (!files.root(root)) throw new PorticoError('unavailable', `The file root "${root}" (site.${which}) is not configured in files.roots.`);
  return { files, root };
}

/** Accept `about.html`, `templates/about.html` or `portico://templates/about.html` for a file in `root`. */
export function pathInRoot(input: string, root: string, scheme: string): string {
  for (const prefix of [`${scheme}://${root}/`, `${root}/`]) if (input.startsWith(prefix)) return input.slice(prefix.length);
  return input;
}
