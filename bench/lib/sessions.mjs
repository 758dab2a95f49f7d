/* global Buffer -- Node global; the root ESLint config declares Node globals only for *.js */
// Idle legacy-session memory: open N legacy (2025-11-25) MCP sessions on Portico (initialize + notifications/initialized,
// no GET stream), then compare the server process's RSS before and after.
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'node:http';
import { CREDENTIAL, LEGACY_REVISION, errorText, parseJsonRpcMessages } from './mcp.mjs';

/**
 * VmRSS of a process in bytes, from /proc/<pid>/status.
 * @param {number} pid
 */
export function readRssBytes(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!m) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(m[1]) * 1024;
}

/** @typedef {{ status: number, headers: import('node:http').IncomingHttpHeaders, body: string }} RawResponse */

/**
 * Minimal POST over node:http (keep-alive agent; no undici connection pool surprises).
 * @param {Agent} agent
 * @param {string} url
 * @param {Record<string, string>} headers
 * @param {string} body
 * @returns {Promise<RawResponse>}
 */
function post(agent, url, headers, body) {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, timeout: 15_000 }, (res) => {
      /** @type {Buffer[]} */
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * One legacy session handshake. Resolves to the session id, or throws with the reason.
 * @param {Agent} agent
 * @param {string} url
 * @param {number} n
 */
export async function openLegacySession(agent, url, n) {
  const base = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...CREDENTIAL };
  const init = await post(
    agent,
    url,
    base,
    JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: LEGACY_REVISION, capabilities: {}, clientInfo: { name: 'bench-idle', version: String(n) } },
    }),
  );
  if (init.status !== 200) throw new Error(`initialize → HTTP ${init.status}: ${init.body.slice(0, 200)}`);
  const sid = init.headers['mcp-session-id'];
  if (typeof sid !== 'string' || !sid) throw new Error('initialize → 200 without an Mcp-Session-Id header');
  const msgs = /** @type {any[]} */ (parseJsonRpcMessages(String(init.headers['content-type'] ?? ''), init.body));
  const reply = msgs.find((m) => m?.id === 1);
  if (!reply?.result?.protocolVersion) throw new Error(`initialize → no result.protocolVersion: ${init.body.slice(0, 200)}`);
  const ack = await post(
    agent,
    url,
    { ...base, 'mcp-session-id': sid, 'mcp-protocol-version': reply.result.protocolVersion },
    JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  );
  if (ack.status < 200 || ack.status > 299) throw new Error(`notifications/initialized → HTTP ${ack.status}: ${ack.body.slice(0, 200)}`);
  return sid;
}

/**
 * Best-effort DELETE of a legacy session (used to discard warm-up sessions before the baseline reading).
 * @param {Agent} agent
 * @param {string} url
 * @param {string} sid
 */
export function deleteLegacySession(agent, url, sid) {
  return new Promise((resolve) => {
    const req = request(url, { method: 'DELETE', agent, headers: { 'mcp-session-id': sid, 'mcp-protocol-version': LEGACY_REVISION }, timeout: 5_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/**
 * @param {{ url: string, pid: number, sessions: number, concurrency: number, settleMs: number }} opts
 */
export async function measureIdleSessions({ url, pid, sessions, concurrency, settleMs }) {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  // Verify the handshake works at all, and warm up code paths (lazy imports, JIT) with a few sessions, then drop them
  // so they are not in the baseline.
  for (let i = 0; i < 5; i++) {
    try {
      const sid = await openLegacySession(agent, url, -1 - i);
      await deleteLegacySession(agent, url, sid);
    } catch (err) {
      agent.destroy();
      return /** @type {const} */ ({ ok: false, reason: `legacy session handshake failed: ${errorText(err)}` });
    }
  }
  await sleep(settleMs);
  const before = readRssBytes(pid);

  /** @type {Set<string>} */
  const ids = new Set();
  /** @type {Map<string, number>} */
  const failures = new Map();
  let next = 0;
  const started = Date.now();
  const worker = async () => {
    while (next < sessions) {
      const n = next++;
      try {
        ids.add(await openLegacySession(agent, url, n));
      } catch (err) {
        const reason = errorText(err);
        failures.set(reason, (failures.get(reason) ?? 0) + 1);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, sessions) }, worker));
  const openMs = Date.now() - started;
  agent.destroy(); // idle sessions: no open sockets left behind, no GET streams
  await sleep(settleMs);
  const after = readRssBytes(pid);
  return /** @type {const} */ ({ ok: true, before, after, opened: ids.size, requested: sessions, failures, openMs });
}
