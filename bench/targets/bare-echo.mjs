/* global process, Buffer -- Node globals; the root ESLint config declares them only for *.js */
// Target (a): the floor. A bare node:http JSON-RPC echo with no MCP machinery at all:
// parse the POSTed JSON, answer {"jsonrpc":"2.0","id":<id>,"result":{"content":[{"type":"text","text":<arguments.message>}]}}.
// Usage: node bench/targets/bare-echo.mjs --port <port>   (always binds 127.0.0.1)
import { createServer } from 'node:http';
import { portFromArgv } from '../lib/target-args.mjs';

const port = portFromArgv(process.argv);

const server = createServer((req, res) => {
  if (req.method !== 'POST') {
    res.writeHead(405, { allow: 'POST' }).end();
    return;
  }
  /** @type {Buffer[]} */
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    /** @type {any} */
    let msg;
    try {
      msg = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      const body = JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } });
      res.writeHead(400, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
      return;
    }
    const text = msg?.params?.arguments?.message;
    const body = JSON.stringify({ jsonrpc: '2.0', id: msg?.id ?? null, result: { content: [{ type: 'text', text }] } });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
  });
});

server.listen(port, '127.0.0.1');
for (const sig of /** @type {const} */ (['SIGTERM', 'SIGINT'])) process.once(sig, () => server.close(() => process.exit(0)).closeAllConnections());
