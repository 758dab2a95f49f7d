/** Shared dependencies of every MCP protocol server: pipeline, server identity, requestState codec. */
import { createHmac } from 'node:crypto';
import { createRequestStateCodec } from '@modelcontextprotocol/server';
import type { Pipeline } from '../../core/pipeline/pipeline.js';
import { VERSION } from '../../version.js';
import type { ProtocolServerDeps, SealedState } from './protocol-server.js';

export const SERVER_INFO = Object.freeze({ name: 'portico', title: 'Portico', version: VERSION });

/** A purpose-specific key derived from the installation secret, shared by every node. */
export function requestStateKey(secretKey: Buffer): Buffer {
  return createHmac('sha256', secretKey).update('portico:mcp:request-state:v1').digest();
}

export function createProtocolDeps(pipeline: Pipeline, secretKey: Buffer): ProtocolServerDeps {
  return {
    pipeline,
    stateCodec: createRequestStateCodec<SealedState>({ key: requestStateKey(secretKey), ttlSeconds: 600 }),
    serverInfo: SERVER_INFO,
    instructions:
      'Portico gives governed access to this organisation’s data, files, prompts and tools. Only what your credential permits is listed.',
  };
}
