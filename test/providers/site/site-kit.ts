/**
 * A demo site on disk (the files provider's default roots with their demo content, in a throwaway
 * data directory) and an execution context for calling tool handlers directly as a given principal.
 */
import { loadConfig } from '../../../src/config/load-config.js';
import type { FrozenConfig } from '../../../src/config/schema.js';
import type { CallToolResult } from '../../../src/core/catalog/mcp-shapes.js';
import { createPermissionSet } from '../../../src/core/identity/permissions.js';
import type { ExecutionContext } from '../../../src/core/pipeline/execution-context.js';
import { createFilesService } from '../../../src/providers/files/file-roots.js';
import type { FilesService } from '../../../src/providers/files/files-service.js';
import { prepareRoots } from '../../../src/providers/files/root-setup.js';
import type { SiteContext } from '../../../src/providers/site/site-context.js';
import { silentLogger } from '../../helpers/test-server.js';
import { tempDir } from '../../helpers/temp-dir.js';

export interface DemoSite {
  dataDir: string;
  config: FrozenConfig;
  files: FilesService;
  site: SiteContext;
}

export async function demoSite(env: Record<string, string> = {}): Promise<DemoSite> {
  const dataDir = tempDir('portico-site-');
  const config = loadConfig({ env: { PORTICO_DATA_DIR: dataDir, ...env } });
  const files = createFilesService(await prepareRoots(config.files, dataDir, silentLogger), config.files, config.mcp.uriScheme);
  return { dataDir, config, files, site: { services: { files }, config: config.site, scheme: config.mcp.uriScheme } };
}

export function contextAs(grants: string[]): ExecutionContext {
  return {
    principal: { id: 'user:test', kind: 'user', name: 'test', roles: [], permissions: createPermissionSet(grants) },
    surface: 'internal',
    requestId: 'test',
    client: { capabilities: {} },
    signal: new AbortController().signal,
    listens: { progress: false, logLevel: undefined },
    cancellation: { aborted: false, reason: undefined, onAbort: () => () => undefined },
    progress: () => undefined,
    log: () => undefined,
    input: { responses: undefined, state: () => undefined },
  };
}

/** The structured content of a tool result (results here are never "needs input"). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function structured(result: unknown): any {
  return (result as CallToolResult).structuredContent;
}
