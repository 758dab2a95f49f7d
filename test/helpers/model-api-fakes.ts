/**
 * Local HTTP fakes of the two model APIs Portico calls, on 127.0.0.1: OpenAI Chat Completions
 * (`POST /v1/chat/completions`) and Anthropic Messages (`POST /v1/messages`), with the bodies, token
 * usage and error shapes the real APIs send. The model name chooses the behaviour, so a test sets it
 * up through an AI configuration like a user would:
 *
 * - any other name: answers `[<model>] <the user message>`, usage counted in words
 * - `fail-<status>`: always that HTTP status, with the API's error body (401 echoes the API key,
 *   as some real APIs and proxies do, so tests can prove Portico never repeats it)
 * - `flaky-<n>`: 503 (OpenAI) / 529 overloaded (Anthropic) for the first n requests, then answers
 * - `slow-<ms>`: answers after ms milliseconds
 * - `hang`: never answers (until the client gives up)
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll } from 'vitest';

export interface RecordedModelRequest {
  api: 'openai' | 'anthropic';
  model: string;
  /** The credential as the SDK sent it (Authorization bearer, or x-api-key for Anthropic). */
  apiKey: string | undefined;
  body: Record<string, unknown>;
  at: number;
}

export interface ModelApiFake {
  /** Base URL for `openai` / `openai-compatible` configurations (…/v1). */
  readonly openaiBaseUrl: string;
  /** Base URL for `anthropic` configurations. */
  readonly anthropicBaseUrl: string;
  readonly requests: RecordedModelRequest[];
  /** Requests for one model. */
  requestsFor(model: string): RecordedModelRequest[];
  close(): Promise<void>;
}

const words = (text: string) => text.split(/\s+/).filter(Boolean).length;

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'x-request-id': `req_${randomBytes(6).toString('hex')}`, ...headers });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>);
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
    req.on('error', reject);
  });
}

function lastUserText(messages: unknown): string {
  if (!Array.isArray(messages)) return '';
  const last = [...messages].reverse().find((m: { role?: string }) => m?.role === 'user') as { content?: unknown } | undefined;
  const content = last?.content;
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((b: { text?: string }) => b?.text ?? '').join('');
  return '';
}

function openAiError(status: number, apiKey: string | undefined): { body: unknown; headers?: Record<string, string> } {
  if (status === 401) return { body: { error: { message: `Incorrect API key provided: ${apiKey}. You can find your API key at https://platform.openai.com/account/api-keys.`, type: 'invalid_request_error', param: null, code: 'invalid_api_key' } } };
  if (status === 429) return { body: { error: { message: 'Rate limit reached for requests', type: 'requests', param: null, code: 'rate_limit_exceeded' } }, headers: { 'retry-after': '0' } };
  if (status === 404) return { body: { error: { message: 'The model does not exist or you do not have access to it.', type: 'invalid_request_error', param: null, code: 'model_not_found' } } };
  return { body: { error: { message: 'The server had an error while processing your request. Sorry about that!', type: 'server_error', param: null, code: null } } };
}

function anthropicError(status: number, apiKey: string | undefined): { body: unknown; headers?: Record<string, string> } {
  const type =
    status === 401 ? 'authentication_error' : status === 429 ? 'rate_limit_error' : status === 404 ? 'not_found_error' : status === 529 ? 'overloaded_error' : status === 400 ? 'invalid_request_error' : 'api_error';
  const message = status === 401 ? `invalid x-api-key: ${apiKey}` : status === 529 ? 'Overloaded' : status === 429 ? 'Number of requests has exceeded your rate limit' : 'Internal server error';
  return { body: { type: 'error', error: { type, message } }, ...(status === 429 ? { headers: { 'retry-after': '0' } } : {}) };
}

export async function startModelApiFake(): Promise<ModelApiFake> {
  const requests: RecordedModelRequest[] = [];
  const counts = new Map<string, number>();
  const sockets = new Set<Socket>();

  const server: Server = createServer((req, res) => {
    void (async () => {
      const api = req.url === '/v1/chat/completions' ? 'openai' : req.url?.startsWith('/v1/messages') ? 'anthropic' : undefined;
      if (req.method !== 'POST' || !api) return send(res, 404, { error: { message: `Unknown route ${req.method} ${req.url}`, type: 'invalid_request_error' } });
      const body = await readBody(req);
      const model = String(body.model ?? '');
      const auth = req.headers.authorization;
      // Anthropic takes `x-api-key`; its recent SDKs send the key as a bearer token, which the API also accepts.
      const bearer = typeof auth === 'string' ? auth.replace(/^Bearer\s+/i, '') : undefined;
      const apiKey = api === 'anthropic' ? ((req.headers['x-api-key'] as string | undefined) ?? bearer) : bearer;
      requests.push({ api, model, apiKey, body, at: Date.now() });
      const seen = (counts.get(model) ?? 0) + 1;
      counts.set(model, seen);
      const error = (status: number) => {
        const e = api === 'openai' ? openAiError(status, apiKey) : anthropicError(status, apiKey);
        send(res, status, e.body, e.headers);
      };

      let m: RegExpExecArray | null;
      if ((m = /^fail-(\d{3})$/.exec(model))) return error(Number(m[1]));
      if ((m = /^flaky-(\d+)$/.exec(model)) && seen <= Number(m[1])) return error(api === 'openai' ? 503 : 529);
      if (model === 'hang') return; // the client's timeout or abort ends it
      if ((m = /^slow-(\d+)$/.exec(model))) await new Promise((r) => setTimeout(r, Number(m![1])));
      if (res.destroyed) return;

      const prompt = api === 'openai' ? lastUserText(body.messages) : lastUserText(body.messages);
      const text = `[${model}] ${prompt}`;
      const system = api === 'openai' ? ((body.messages as { role: string; content: string }[]).find((x) => x.role === 'system')?.content ?? '') : String(body.system ?? '');
      const inputTokens = words(prompt) + words(system);
      const outputTokens = words(text);
      if (api === 'openai') {
        send(res, 200, {
          id: `chatcmpl-${randomBytes(12).toString('hex')}`,
          object: 'chat.completion',
          created: Math.floor(Date.now() / 1000),
          model: `${model}-2026-01-01`,
          choices: [{ index: 0, message: { role: 'assistant', content: text, refusal: null, annotations: [] }, logprobs: null, finish_reason: 'stop' }],
          usage: { prompt_tokens: inputTokens, completion_tokens: outputTokens, total_tokens: inputTokens + outputTokens },
          service_tier: 'default',
          system_fingerprint: 'fp_fake',
        });
      } else {
        send(res, 200, {
          id: `msg_${randomBytes(12).toString('hex')}`,
          type: 'message',
          role: 'assistant',
          model,
          content: [{ type: 'text', text }],
          stop_reason: 'end_turn',
          stop_sequence: null,
          usage: { input_tokens: inputTokens, output_tokens: outputTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
        });
      }
    })().catch(() => {
      if (!res.headersSent) send(res, 400, { error: { message: 'bad request body', type: 'invalid_request_error' } });
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  const fake: ModelApiFake = {
    openaiBaseUrl: `http://127.0.0.1:${port}/v1`,
    anthropicBaseUrl: `http://127.0.0.1:${port}`,
    requests,
    requestsFor: (model) => requests.filter((r) => r.model === model),
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      })),
  };
  afterAll(() => fake.close());
  return fake;
}
