/**
 * `blobs`: content-addressed blob storage under `<dataDir>/blobs`, over MCP (`upload_blob`,
 * `portico://blobs/{sha256}`) and REST (`/api/v1/blobs`).
 */
import { z } from 'zod';
import { meta } from '../key-meta.js';

const MiB = 1024 * 1024;

export const blobsSchema = z.strictObject({
  enabled: z.boolean().default(true).meta(meta({ description: 'Serve blob storage over MCP and REST.' })),
  maxBytes: z
    .number()
    .int()
    .min(1)
    .default(100 * MiB)
    .meta(meta({ description: 'Largest blob accepted, in bytes; a larger upload is refused (413 `payload_too_large`) and nothing is stored.' })),
  maxInlineBytes: z
    .number()
    .int()
    .min(0)
    .default(4 * MiB)
    .meta(meta({ description: 'Largest blob returned inline by an MCP resource read or by `upload_blob`; larger ones are downloaded from the REST API.' })),
  encryptAtRest: z
    .boolean()
    .default(false)
    .meta(meta({ description: 'Encrypt new blob content on disk (AES-256-GCM in 64 KiB chunks, key derived from the installation secret key).' })),
});

export type BlobsConfig = z.output<typeof blobsSchema>;
