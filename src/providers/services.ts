/**
 * Services that providers publish while they start, for the surfaces (REST routes, CLI) and for
 * other providers to use without importing each other. A provider sets its field in `start`; a
 * surface mounts its routes only when the service is there. One optional field per service.
 */
import type { Gateway } from '../gateway/gateway.js';
import type { UpstreamRegistry } from '../gateway/upstream-registry.js';
import type { JobService } from '../jobs/job-service.js';
import type { BlobService } from './blobs/blob-service.js';
import type { FilesService } from './files/files-service.js';
import type { GenerationService } from './prompts/generation/generation-service.js';
import type { PromptLibrary } from './prompts/prompt-library.js';
import type { ApiResourceService } from './web/api-resource-service.js';

export interface ProviderServices {
  /** The prompt library (templates, versions, rendering, usage) — providers/prompts. */
  prompts?: PromptLibrary;
  /** Content-addressed blob storage (put/get/open/list/delete) — providers/blobs. */
  blobs?: BlobService;
  /** The background job queue and this node's worker (src/jobs; started by the runtime, not a provider). */
  jobs?: JobService;
  /** AI configurations, model calls with fallback, stored generations — providers/prompts/generation. */
  generation?: GenerationService;
  /** The configured file roots (templates, static, …), confined — providers/files. */
  files?: FilesService;
  /** Live upstream MCP connections (the gateway; started by the runtime, not a provider). */
  gateway?: Gateway;
  /** Upstream definitions (config file + database) behind the gateway — gateway/upstream-registry.ts. */
  upstreams?: UpstreamRegistry;
  /** Configured API resources (`{scheme}://api/{name}`) — providers/web. */
  apiResources?: ApiResourceService;
}
