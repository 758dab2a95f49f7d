/**
 * The files provider: the configured roots (`files.roots`) as resources and `filesystem` tools, and
 * the confined FilesService (`services.files`) the site tools read templates and images through.
 */
import type { FrozenConfig } from '../../config/schema.js';
import type { Provider } from '../provider.js';
import { createFilesService } from './file-roots.js';
import { fileResources } from './file-resources.js';
import { filesystemTools } from './filesystem-tools.js';
import { prepareRoots } from './root-setup.js';

export const FILES_SOURCE = 'files';

export function createFilesProvider(config: FrozenConfig): Provider {
  return {
    name: FILES_SOURCE,
    async start({ catalog, logger, store, services }) {
      if (!config.files.enabled) return;
      const roots = await prepareRoots(config.files, store.dataDir.root, logger);
      const scheme = config.mcp.uriScheme;
      const files = createFilesService(roots, config.files, scheme);
      catalog.add([...fileResources(files, FILES_SOURCE), ...filesystemTools(files, catalog, scheme, FILES_SOURCE)]);
      services.files = files;
    },
  };
}
