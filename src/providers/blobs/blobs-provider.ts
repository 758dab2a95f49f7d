/**
 * The blobs provider: content-addressed blob storage under `<dataDir>/blobs` (metadata in the
 * database), published as `services.blobs` for the REST routes and other providers, and offered
 * to MCP clients as the `upload_blob` / `list_blobs` / `delete_blob` tools and the
 * `portico://blobs` resources. Configuration: the `blobs` section.
 */
import { deriveKey } from '../../auth/secret-box.js';
import type { FrozenConfig } from '../../config/schema.js';
import { createFsBlobStore } from '../../store/blobs/fs-blob-store.js';
import { createBlobRepository } from '../../store/repositories/blob.repository.js';
import type { Provider } from '../provider.js';
import { blobResources } from './blob-resources.js';
import { blobTools } from './blob-tools.js';
import { createBlobService } from './create-blob-service.js';

export const BLOBS_SOURCE = 'blobs';

export function createBlobsProvider(config: FrozenConfig): Provider {
  return {
    name: BLOBS_SOURCE,
    async start({ catalog, store, services }) {
      if (!config.blobs.enabled) return;
      const scheme = config.mcp.uriScheme;
      const blobStore = await createFsBlobStore({
        root: store.dataDir.blobsDir,
        // Always given, so blobs encrypted earlier stay readable after encryptAtRest is turned off.
        key: deriveKey(store.secretKey, 'blobs-at-rest'),
        encrypt: config.blobs.encryptAtRest,
      });
      const blobs = createBlobService({
        store: blobStore,
        repository: createBlobRepository(store.database.db),
        uriScheme: scheme,
        maxBytes: config.blobs.maxBytes,
        maxInlineBytes: config.blobs.maxInlineBytes,
      });
      catalog.add([...blobTools(blobs, BLOBS_SOURCE), ...blobResources(blobs, { scheme, publicUrl: config.server.publicUrl, source: BLOBS_SOURCE })]);
      services.blobs = blobs;
    },
  };
}
