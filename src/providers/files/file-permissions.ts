/** The permissions of the files provider (granted by the built-in roles in auth/roles.ts). */
export const FILES_READ = 'files:read';
/** Also needed to see the `filesystem` tool at all: a reader gets `filesystem_read` instead. */
export const FILES_WRITE = 'files:write';
