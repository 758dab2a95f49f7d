/**
 * `files`: the directory roots Portico serves as `portico://<root>/<path>` resources and through the
 * `filesystem` tools. Each root is read-only or read-write; nothing outside a root is reachable.
 * The defaults are `templates/` (read-write) and `static/` (read-only) under the data directory,
 * filled with demo content the first time they are created.
 */
import { z } from 'zod';
import { meta } from '../key-meta.js';

/** Root names become the first segment of resource URIs; these are taken by other providers. */
export const RESERVED_ROOT_NAMES: readonly string[] = Object.freeze(['blobs', 'config', 'db', 'prompts', 'site', 'upstreams', 'users', 'files']);

const rootName = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,31}$/, 'a lower-case name of letters, digits, _ and - (it becomes part of resource URIs)')
  .refine((name) => !RESERVED_ROOT_NAMES.includes(name), { message: `reserved root name (taken: ${RESERVED_ROOT_NAMES.join(', ')})` });

export const fileRootSchema = z.strictObject({
  /** Directory of the root; a relative path is resolved against the data directory. */
  path: z.string().min(1),
  /** Allow `write`, `delete` and `create_dir` under this root. */
  writable: z.boolean().default(false),
  /** Shown to clients in the resource list. */
  description: z.string().max(500).optional(),
});

export type FileRootConfig = z.output<typeof fileRootSchema>;

const defaultRoots: Record<string, FileRootConfig> = {
  templates: { path: 'templates', writable: true, description: 'HTML templates of the site (read-write).' },
  static: { path: 'static', writable: false, description: 'Static assets of the site: CSS, images (read-only).' },
};

export const filesSchema = z.strictObject({
  enabled: z.boolean().default(true).meta(meta({ description: 'Serve the configured file roots as resources and through the `filesystem` tools.' })),
  roots: z
    .record(rootName, fileRootSchema)
    .default(defaultRoots)
    .meta(
      meta({
        description:
          'Roots by name: `{ path, writable, description }` (JSON object in the environment). A relative path is under the data directory. Default: `templates` (read-write) and `static` (read-only).',
      }),
    ),
  demoContent: z
    .boolean()
    .default(true)
    .meta(meta({ description: 'Fill the `templates` and `static` roots with demo content (templates with SEO faults, CSS, images) when their directory is first created.' })),
  maxReadBytes: z
    .number()
    .int()
    .min(1)
    .default(10 * 1024 * 1024)
    .meta(meta({ description: 'Largest file a resource read or the `filesystem` tool returns, in bytes.' })),
  maxWriteBytes: z
    .number()
    .int()
    .min(1)
    .default(5 * 1024 * 1024)
    .meta(meta({ description: 'Largest file the `filesystem` tool writes, in bytes.' })),
  maxListEntries: z.number().int().min(1).max(100_000).default(1000).meta(meta({ description: 'Entries one directory listing returns at most (it says when it truncated).' })),
});

export type FilesConfig = z.output<typeof filesSchema>;
