/* global process -- Node globals; the root ESLint config declares them only for *.js */
// Target (b): the SDK reference. `createMcpHandler` with a factory that builds a fresh McpServer with one `echo` tool
// per request (as the SDK docs prescribe), mounted on node:http with `toNodeHandler` and the SDK's localhost
// Host/Origin guards, exactly like docs/serving/http.md "Mount it on your runtime".
// Usage: node bench/targets/sdk-reference.mjs --port <port>   (always binds 127.0.0.1)
import { createServer } from 'node:http';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import { localhostHostValidation, localhostOriginValidation, toNodeHandler } from '@modelcontextprotocol/node';
import * as z from 'zod/v4';
import { portFromArgv } from '../lib/target-args.mjs';

const port = portFromArgv(process.argv);

// Schema built once at module scope (the docs' "keep the factory cheap" advice); tools registered inside the factory.
const echoInput = z.object({ message: z.string() });

const handler = createMcpHandler(() => {
  const server = new McpServer({ name: 'sdk-reference-echo', version: '1.0.0' });
  server.registerTool('echo', { description: 'Echo the message back', inputSchema: echoInput }, async ({ message }) => ({
    content: [{ type: 'text', text: message }],
  }));
  return server;
});

const nodeHandler = toNodeHandler(handler);
const validateHost = localhostHostValidation();
const validateOrigin = localhostOriginValidation();
const server = createServer((req, res) => {
  if (!validateHost(req, res) || !validateOrigin(req, res)) return;
  void nodeHandler(req, res);
});

server.listen(port, '127.0.0.1');
for (const sig of /** @type {const} */ (['SIGTERM', 'SIGINT'])) {
  process.once(sig, () => {
    void handler.close().finally(() => server.close(() => process.exit(0)).closeAllConnections());
  });
}
