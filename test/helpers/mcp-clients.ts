/**
 * Real MCP SDK clients for end-to-end tests: a client that answers sampling and elicitation, a
 * recorder for the notifications a server pushes, a tap on the raw messages a transport receives,
 * and a reader for Portico's Prometheus call counter.
 */
import { Client, type ClientOptions, type Transport } from '@modelcontextprotocol/client';
import type { Json } from './http.js';

/** The one modern revision. */
export const MODERN_REVISION = '2026-07-28';
/** What the SDK client's default `initialize` asks for (and Portico grants). */
export const LEGACY_REVISION = '2025-11-25';

export type Era = 'legacy' | 'modern';

/** Fixed answers of the test client, so tool results can be compared exactly. */
export const CLIENT_ANSWERS = {
  model: 'e2e-model',
  sampledPrefix: 'sampled reply to',
  elicited: { username: 'ada', email: 'ada@example.com' },
} as const;

export interface AnsweringClient {
  client: Client;
  /** Every server-to-client request the client answered, by method, with its params. */
  answered: { method: string; params: Json }[];
}

/**
 * A client that declares sampling and form elicitation and answers both with fixed content. The
 * same handlers serve legacy pushed requests and modern `input_required` auto-fulfilment.
 */
export function answeringClient(era: Era, name = 'portico-e2e', extra: ClientOptions = {}): AnsweringClient {
  const client = new Client(
    { name, version: '1.0.0' },
    {
      capabilities: { sampling: {}, elicitation: { form: {} } },
      ...(era === 'modern' ? { versionNegotiation: { mode: { pin: MODERN_REVISION } } } : {}),
      ...extra,
    },
  );
  const answered: AnsweringClient['answered'] = [];
  client.setRequestHandler('sampling/createMessage', (request) => {
    answered.push({ method: request.method, params: request.params });
    const first = request.params.messages[0]?.content as Json;
    const asked = first && !Array.isArray(first) && first.type === 'text' ? String(first.text) : '?';
    return { model: CLIENT_ANSWERS.model, role: 'assistant', content: { type: 'text', text: `${CLIENT_ANSWERS.sampledPrefix} ${asked}` } };
  });
  client.setRequestHandler('elicitation/create', (request) => {
    answered.push({ method: request.method, params: request.params });
    return { action: 'accept', content: { ...CLIENT_ANSWERS.elicited } };
  });
  return { client, answered };
}

export interface ReceivedNotification {
  method: string;
  params: Json;
  at: number;
}

/**
 * Records the change notifications a client receives (through the client's own notification
 * handlers, so it sees exactly what an application would) and lets a test await one.
 */
export class NotificationRecorder {
  readonly received: ReceivedNotification[] = [];
  private waiters: { method: string; match: (n: ReceivedNotification) => boolean; resolve: (n: ReceivedNotification) => void }[] = [];

  constructor(client: Client) {
    client.setNotificationHandler('notifications/resources/updated', (n) => this.record(n.method, n.params));
    client.setNotificationHandler('notifications/tools/list_changed', (n) => this.record(n.method, n.params));
    client.setNotificationHandler('notifications/prompts/list_changed', (n) => this.record(n.method, n.params));
    client.setNotificationHandler('notifications/resources/list_changed', (n) => this.record(n.method, n.params));
  }

  private record(method: string, params: unknown): void {
    const n: ReceivedNotification = { method, params: params ?? {}, at: Date.now() };
    this.received.push(n);
    this.waiters = this.waiters.filter((w) => {
      if (w.method !== method || !w.match(n)) return true;
      w.resolve(n);
      return false;
    });
  }

  count(method: string): number {
    return this.received.filter((n) => n.method === method).length;
  }

  /** The next matching notification received after this call (earlier ones do not count). */
  next(method: string, match: (n: ReceivedNotification) => boolean = () => true, timeoutMs = 5_000): Promise<ReceivedNotification> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(new Error(`no ${method} notification within ${timeoutMs} ms; received: ${JSON.stringify(this.received.map((r) => r.method))}`));
      }, timeoutMs);
      const done = (n: ReceivedNotification) => {
        clearTimeout(timer);
        resolve(n);
      };
      this.waiters.push({ method, match, resolve: done });
    });
  }
}

/**
 * Observe every message a connected transport delivers to its client, before the client's
 * protocol layer. Lets a test see traffic the client itself drops (progress for a cancelled call).
 */
export function tapIncoming(transport: Transport): { messages: Json[]; count(method: string): number } {
  const messages: Json[] = [];
  const deliver = transport.onmessage;
  if (!deliver) throw new Error('tapIncoming needs a connected transport');
  transport.onmessage = (message, extra) => {
    messages.push(message);
    deliver.call(transport, message, extra);
  };
  return { messages, count: (method) => messages.filter((m: Json) => m.method === method).length };
}

/** `portico_calls_total{action, outcome}` from a server's /metrics page (0 when not yet counted). */
export async function callCount(baseUrl: string, action: string, outcome: string): Promise<number> {
  const res = await fetch(`${baseUrl}/metrics`);
  if (!res.ok) throw new Error(`/metrics answered ${res.status}`);
  const text = await res.text();
  for (const line of text.split('\n')) {
    if (!line.startsWith('portico_calls_total{')) continue;
    const m = /^portico_calls_total\{([^}]*)\}\s+(\S+)$/.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries([...m[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    if (labels.action === action && labels.outcome === outcome) return Number(m[2]);
  }
  return 0;
}

/** Poll until `read()` satisfies `ok`, or fail with the last value. */
export async function eventually<T>(read: () => Promise<T> | T, ok: (value: T) => boolean, timeoutMs = 3_000, stepMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await read();
  while (!ok(last)) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, stepMs));
    last = await read();
  }
  return last;
}

/** The text of the first text block of a tool or prompt result, if it has one. */
export function firstTextOrUndefined(result: Json): string | undefined {
  const content = result?.content;
  const blocks: Json[] = Array.isArray(content) ? content : content ? [content] : [];
  const text = blocks.find((b) => b?.type === 'text');
  return text ? String(text.text) : undefined;
}

/** The text of the first text block of a tool or prompt result. */
export function firstText(result: Json): string {
  const text = firstTextOrUndefined(result);
  if (text === undefined) throw new Error(`no text content in ${JSON.stringify(result)}`);
  return text;
}
