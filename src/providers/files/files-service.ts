/**
 * The files provider's service (published as `services.files`): the configured roots, confined.
 * Every path is relative to a root and passes the same checks whoever asks — the `filesystem`
 * tools, the file resources, the site tools — so there is one place where confinement is decided.
 * Permissions are the caller's business (the entry or the tool checks them); this service checks
 * paths, symlinks, size limits and whether a root is writable.
 */

export interface FileRootInfo {
  /** Name, also the first segment of the root's resource URIs. */
  readonly name: string;
  readonly writable: boolean;
  readonly description?: string;
  /** `portico://<name>`: the listing of the root. */
  readonly uri: string;
}

export type FileKind = 'file' | 'directory';

export interface FileEntry {
  /** Root name. */
  readonly root: string;
  /** Path relative to the root, `/`-separated; `''` is the root itself. */
  readonly path: string;
  readonly name: string;
  readonly kind: FileKind;
  /** Bytes (files only). */
  readonly size?: number;
  /** Last modification, ISO 8601. */
  readonly modified: string;
  /** MIME type by extension (files only; reads sniff the content too). */
  readonly mimeType?: string;
  /** The entry's resource URI. */
  readonly uri: string;
}

export interface DirectoryListing {
  readonly root: string;
  readonly path: string;
  readonly uri: string;
  readonly writable: boolean;
  readonly entries: readonly FileEntry[];
  /** True when the directory holds more than `files.maxListEntries` entries. */
  readonly truncated: boolean;
}

export interface FileContent {
  readonly entry: FileEntry;
  /** MIME type from the extension and the content. */
  readonly mimeType: string;
  readonly bytes: Buffer;
  /** True when `limit` cut the content short (`bytes` holds the first `limit` bytes). */
  readonly truncated: boolean;
}

export interface FilesService {
  roots(): readonly FileRootInfo[];
  root(name: string): FileRootInfo | undefined;
  /** The resource URI of a path in a root. */
  uriFor(root: string, path: string): string;
  /** Metadata of a file or directory (`not_found` if absent). */
  stat(root: string, path: string): Promise<FileEntry>;
  /**
   * A file's content. Without `limit`, a file over `files.maxReadBytes` is refused
   * (`payload_too_large`); with it, only the first `limit` bytes are read (e.g. image headers).
   */
  read(root: string, path: string, options?: { limit?: number; signal?: AbortSignal }): Promise<FileContent>;
  /** One directory's entries, directories first, then by name. */
  list(root: string, path: string): Promise<DirectoryListing>;
  /** Every file under a directory, depth first, sorted by path; stops after `max` files. */
  walk(root: string, path?: string, options?: { max?: number; signal?: AbortSignal }): Promise<FileEntry[]>;
  /** Write a file atomically (temporary file, fsync, rename). The parent directory must exist. */
  write(root: string, path: string, bytes: Uint8Array): Promise<FileEntry>;
  /** Delete a file, or a directory (non-empty only with `recursive`). The root itself cannot be deleted. */
  delete(root: string, path: string, options?: { recursive?: boolean }): Promise<void>;
  /** Create a directory and any missing parents. */
  createDir(root: string, path: string): Promise<FileEntry>;
}
