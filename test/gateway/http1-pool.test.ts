/**
 * The gateway's small keep-alive HTTP/1.1 client (`Http1Pool`), driven directly with a recording
 * response handler against servers on loopback: raw `node:net` servers where the exact bytes on the
 * wire matter (chunk boundaries, malformed answers, connections dying at chosen moments) and
 * `node:http` where an ordinary server is enough. Covers the request as written, Content-Length,
 * chunked (split at every byte) and read-to-close bodies, 1xx answers, keep-alive and its limits,
 * the one retry of a request on a stale kept-alive connection, malformed answers, deadlines,
 * aborts, `maxConnections`, `close()`, the idle timeout and `headerBlock`.
 */
import { once } from 'node:events';
import { createServer as createHttpServer, type IncomingHttpHeaders, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { headerBlock, Http1Pool, parseResponseHead, type ExchangeControl, type Http1PoolOptions, type Http1Request, type ResponseHandler } from '../../src/gateway/http1-pool.js';

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Resolves as `promise` does, or fails naming `what` after `ms`. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

const errorCode = (err: Error | undefined) => (err as NodeJS.ErrnoException | undefined)?.code;

/** Server-side bookkeeping of accepted connections (1-based ids in accept order). */
class Connections {
  count = 0;
  open = 0;
  maxOpen = 0;
  readonly sockets = new Set<Socket>();
  readonly ids = new WeakMap<Socket, number>();
  private readonly closedPromises = new Map<number, Promise<void>>();
  private readonly closedIds = new Set<number>();

  track(socket: Socket): number {
    const id = ++this.count;
    this.open++;
    this.maxOpen = Math.max(this.maxOpen, this.open);
    this.sockets.add(socket);
    this.ids.set(socket, id);
    socket.setNoDelay(true);
    this.closedPromises.set(
      id,
      new Promise<void>((resolve) =>
        socket.once('close', () => {
          this.open--;
          this.sockets.delete(socket);
          this.closedIds.add(id);
          resolve();
        }),
      ),
    );
    return id;
  }

  /** Resolves when the server side of connection `id` has closed. */
  closed(id: number): Promise<void> {
    const promise = this.closedPromises.get(id);
    if (!promise) throw new Error(`no connection ${id} (only ${this.count})`);
    return promise;
  }

  isClosed(id: number): boolean {
    return this.closedIds.has(id);
  }

  destroyAll(): void {
    for (const socket of this.sockets) socket.destroy();
  }
}

interface RawRequest {
  /** The exact bytes of this request. */
  raw: Buffer;
  requestLine: string;
  headers: Record<string, string>;
  body: Buffer;
  /** The server-side connection that carried it. */
  connection: number;
  /** 1-based position of this request on its connection. */
  onConnection: number;
  /** 1-based position among all requests the server received. */
  index: number;
}

type RawScript = (req: RawRequest, socket: Socket) => void | Promise<void>;

/** A `node:net` server that splits requests off the wire and lets the test write any bytes back. */
class RawUpstream {
  readonly conns = new Connections();
  readonly requests: RawRequest[] = [];
  /** Everything each connection received, by connection id. */
  private readonly received = new Map<number, Buffer[]>();
  script: RawScript = (_req, socket) => void socket.write(ok('ok'));
  private readonly server: NetServer = createNetServer((socket) => this.accept(socket));

  async start(port = 0): Promise<void> {
    this.server.listen(port, '127.0.0.1');
    await once(this.server, 'listening');
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/rpc`;
  }

  wire(connection: number): Buffer {
    return Buffer.concat(this.received.get(connection) ?? []);
  }

  async stop(): Promise<void> {
    this.conns.destroyAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    const id = this.conns.track(socket);
    const received: Buffer[] = [];
    this.received.set(id, received);
    let buffer = Buffer.alloc(0);
    let onConnection = 0;
    let chain = Promise.resolve();
    socket.on('error', () => undefined);
    socket.on('data', (data: Buffer) => {
      received.push(data);
      buffer = Buffer.concat([buffer, data]);
      for (;;) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        const lines = buffer.subarray(0, end).toString('latin1').split('\r\n');
        const headers: Record<string, string> = {};
        for (const line of lines.slice(1)) {
          const colon = line.indexOf(':');
          headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
        }
        const length = Number(headers['content-length'] ?? 0);
        if (buffer.length < end + 4 + length) return;
        const req: RawRequest = {
          raw: buffer.subarray(0, end + 4 + length),
          requestLine: lines[0] ?? '',
          headers,
          body: buffer.subarray(end + 4, end + 4 + length),
          connection: id,
          onConnection: ++onConnection,
          index: this.requests.length + 1,
        };
        buffer = buffer.subarray(end + 4 + length);
        this.requests.push(req);
        chain = chain
          .then(() => {
            // A request on a connection the server already ended or destroyed goes unanswered.
            if (socket.destroyed || socket.writableEnded) return;
            return this.script(req, socket);
          })
          .catch(() => undefined);
      }
    });
  }
}

interface HttpRecorded {
  method: string | undefined;
  url: string | undefined;
  headers: IncomingHttpHeaders;
  body: string;
  connection: number;
}

type HttpScript = (req: HttpRecorded, res: ServerResponse) => void | Promise<void>;

/** A `node:http` server; by default it echoes the request body as text/plain. */
class HttpUpstream {
  readonly conns = new Connections();
  readonly requests: HttpRecorded[] = [];
  active = 0;
  maxActive = 0;
  script: HttpScript = (req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(req.body) });
    res.end(req.body);
  };
  readonly server: HttpServer = createHttpServer((req, res) => void this.handle(req, res));

  constructor() {
    this.server.on('connection', (socket: Socket) => this.conns.track(socket));
  }

  async start(): Promise<void> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/mcp?tenant=t1`;
  }

  async stop(): Promise<void> {
    this.conns.destroyAll();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    res.on('close', () => this.active--);
    const recorded: HttpRecorded = {
      method: req.method,
      url: req.url,
      headers: req.headers,
      body: Buffer.concat(chunks).toString('utf8'),
      connection: this.conns.ids.get(req.socket) ?? -1,
    };
    this.requests.push(recorded);
    await this.script(recorded, res);
  }
}

interface Hooks {
  onRequestStart?(control: ExchangeControl, rec: Recorder): void;
  onResponseStart?(control: ExchangeControl, rec: Recorder): void;
  onResponseData?(control: ExchangeControl, rec: Recorder): void;
  onResponseEnd?(control: ExchangeControl, rec: Recorder): void;
}

/** A response handler that records every callback; `settled` resolves at the first end or error. */
class Recorder implements ResponseHandler {
  requestStarts = 0;
  responseStarts = 0;
  status: number | undefined;
  headers: Record<string, string> | undefined;
  readonly chunks: Buffer[] = [];
  ends = 0;
  readonly errors: Error[] = [];
  readonly settled: Promise<void>;
  private settle!: () => void;

  constructor(private readonly hooks: Hooks = {}) {
    this.settled = new Promise<void>((resolve) => (this.settle = resolve));
  }

  get body(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }

  onRequestStart(control: ExchangeControl): void {
    this.requestStarts++;
    this.hooks.onRequestStart?.(control, this);
  }

  onResponseStart(control: ExchangeControl, statusCode: number, headers: Record<string, string>): void {
    this.responseStarts++;
    this.status = statusCode;
    this.headers = headers;
    this.hooks.onResponseStart?.(control, this);
  }

  onResponseData(control: ExchangeControl, chunk: Buffer): void {
    this.chunks.push(Buffer.from(chunk));
    this.hooks.onResponseData?.(control, this);
  }

  onResponseEnd(control: ExchangeControl): void {
    this.ends++;
    this.settle();
    this.hooks.onResponseEnd?.(control, this);
  }

  onResponseError(_control: ExchangeControl, error: Error): void {
    this.errors.push(error);
    this.settle();
  }
}

function request(extra: Partial<Http1Request> = {}): Http1Request {
  return { path: '/rpc', headers: '', body: '{"jsonrpc":"2.0","id":1}', timeoutMs: 2_000, ...extra };
}

/** Dispatch one request; the recorder settles later. */
function start(pool: Http1Pool, extra: Partial<Http1Request> = {}, hooks: Hooks = {}): Recorder {
  const rec = new Recorder(hooks);
  pool.dispatch(request(extra), rec);
  return rec;
}

/** Dispatch one request and wait for it to settle (bounded, so a hang fails with a clear message). */
async function run(pool: Http1Pool, extra: Partial<Http1Request> = {}, hooks: Hooks = {}, limitMs = 5_000): Promise<Recorder> {
  const rec = start(pool, extra, hooks);
  await within(rec.settled, limitMs, 'the exchange settling');
  return rec;
}

function expectOk(rec: Recorder, body: string, status = 200): void {
  expect(rec.errors.map((err) => err.message)).toEqual([]);
  expect(rec.ends).toBe(1);
  expect(rec.status).toBe(status);
  expect(rec.body).toBe(body);
}

function expectFailed(rec: Recorder, message?: RegExp): Error {
  expect(rec.ends).toBe(0);
  expect(rec.errors).toHaveLength(1);
  const error = rec.errors[0]!;
  if (message) expect(error.message).toMatch(message);
  return error;
}

/** An HTTP response as text. */
function reply(status: number, headers: Record<string, string | number>, body = '', version = '1.1'): string {
  let text = `HTTP/${version} ${status} Whatever\r\n`;
  for (const [name, value] of Object.entries(headers)) text += `${name}: ${value}\r\n`;
  return `${text}\r\n${body}`;
}

const ok = (body: string) => reply(200, { 'content-length': Buffer.byteLength(body) }, body);

/** Write each piece as its own TCP segment (a pause between them so the client reads them apart). */
async function writeSlowly(socket: Socket, pieces: (string | Buffer)[], gapMs = 15): Promise<void> {
  for (const [i, piece] of pieces.entries()) {
    if (i > 0) await delay(gapMs);
    if (socket.destroyed || socket.writableEnded) return;
    socket.write(piece);
  }
}

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  // Pools first (registered last), then the servers.
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function rawUpstream(script?: RawScript): Promise<RawUpstream> {
  const up = new RawUpstream();
  if (script) up.script = script;
  await up.start();
  cleanups.push(() => up.stop());
  return up;
}

async function httpUpstream(script?: HttpScript): Promise<HttpUpstream> {
  const up = new HttpUpstream();
  if (script) up.script = script;
  await up.start();
  cleanups.push(() => up.stop());
  return up;
}

function makePool(url: string, options?: Http1PoolOptions): Http1Pool {
  const pool = new Http1Pool(new URL(url), options);
  cleanups.push(() => pool.close());
  return pool;
}

// ---------------------------------------------------------------------------------------------
// headerBlock and the constructor
// ---------------------------------------------------------------------------------------------

describe('parseResponseHead', () => {
  it('reads the version and status, lower-cases names, trims values and joins repeated headers', () => {
    const head = parseResponseHead('HTTP/1.1 201 Created\r\nContent-Type:  application/json \r\nX-Dup: a\r\nx-dup:b\r\nKeep-Alive:\ttimeout=5\r\nx-empty:');
    expect(head).toEqual({ status: 201, minor: 1, headers: { 'content-type': 'application/json', 'x-dup': 'a, b', 'keep-alive': 'timeout=5', 'x-empty': '' } });
    expect(parseResponseHead('HTTP/1.0 204')).toEqual({ status: 204, minor: 0, headers: {} });
  });

  it.each([
    ['an empty head', ''],
    ['HTTP/2', 'HTTP/2 200 OK'],
    ['HTTP/1.2', 'HTTP/1.2 200 OK'],
    ['a two-digit status', 'HTTP/1.1 20 OK'],
    ['a status with a letter', 'HTTP/1.1 2x0 OK'],
    ['no space after the version', 'HTTP/1.1_200 OK'],
    ['a header line without a colon', 'HTTP/1.1 200 OK\r\ncontent-type text/plain'],
    ['a header with an empty name', 'HTTP/1.1 200 OK\r\n: nameless'],
    ['a header whose name is only blanks', 'HTTP/1.1 200 OK\r\n \t: value'],
    ['an empty header line', 'HTTP/1.1 200 OK\r\n\r\nx-a: 1'],
  ])('refuses %s', (_what, text) => {
    expect(parseResponseHead(text)).toBeUndefined();
  });
});

describe('headerBlock', () => {
  it('formats one "name: value\\r\\n" line per header, in order, numbers as text', () => {
    expect(headerBlock({ 'content-type': 'application/json', 'X-Count': 42, 'x-quoted': '"a, b"; q=0.5\tend' })).toBe(
      'content-type: application/json\r\nX-Count: 42\r\nx-quoted: "a, b"; q=0.5\tend\r\n',
    );
    expect(headerBlock({})).toBe('');
    expect(headerBlock({ "!#$%&'*+.^_`|~09azAZ-": 'v' })).toBe("!#$%&'*+.^_`|~09azAZ-: v\r\n");
  });

  it.each(['', 'bad name', 'x:y', 'x\r\ny', 'x\ny', 'a\0b', 'caf\u00e9', '(paren)', 'a/b', 'a"b', 'tab\tname'])('refuses the header name %j', (name) => {
    expect(() => headerBlock({ [name]: 'v' })).toThrow(/invalid header name/);
  });

  it.each(['a\rb', 'a\nb', 'a\0b', 'v\r\nx-injected: 1', '\r\n\r\nPOST /evil HTTP/1.1', 'end\n', '\0'])('refuses the value %j', (value) => {
    expect(() => headerBlock({ 'x-ok': 'fine', 'x-value': value })).toThrow(/invalid value for header x-value/);
  });
});

describe('Http1Pool constructor', () => {
  it('serves plain http: URLs only', () => {
    expect(() => new Http1Pool(new URL('https://127.0.0.1/'))).toThrow(/plain http/);
  });
});

// ---------------------------------------------------------------------------------------------
// The request on the wire
// ---------------------------------------------------------------------------------------------

describe('the request on the wire', () => {
  it('is POST <path> HTTP/1.1, host, the given header lines, the UTF-8 byte content-length and the exact body, nothing else', async () => {
    const up = await rawUpstream();
    const pool = makePool(`http://127.0.0.1:${up.port}/ignored`);
    const body = JSON.stringify({ text: 'h\u00e9llo \u2014 \u65e5\u672c\u8a9e \ud83c\udf89' });
    expect(Buffer.byteLength(body)).toBeGreaterThan(body.length);
    const headers = headerBlock({ 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'x-tenant-key': 'k-123' });
    expectOk(await run(pool, { path: '/mcp?tenant=t1', headers, body }), 'ok');
    await delay(50);

    const expected =
      `POST /mcp?tenant=t1 HTTP/1.1\r\nhost: 127.0.0.1:${up.port}\r\n` +
      'content-type: application/json\r\naccept: application/json, text/event-stream\r\nx-tenant-key: k-123\r\n' +
      `content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    expect(up.requests).toHaveLength(1);
    expect(up.requests[0]!.requestLine).toBe('POST /mcp?tenant=t1 HTTP/1.1');
    expect(up.requests[0]!.headers['content-length']).toBe(String(Buffer.byteLength(body)));
    expect(up.requests[0]!.body.toString('utf8')).toBe(body);
    // Byte for byte, and nothing more on the connection.
    expect(up.wire(1).toString('utf8')).toBe(expected);
    expect(up.wire(1).equals(Buffer.from(expected, 'utf8'))).toBe(true);
  });

  it('writes an empty body with content-length: 0', async () => {
    const up = await rawUpstream();
    const pool = makePool(up.url);
    expectOk(await run(pool, { path: '/x', headers: 'x-a: 1\r\n', body: '' }), 'ok');
    await delay(50);
    expect(up.wire(1).toString('latin1')).toBe(`POST /x HTTP/1.1\r\nhost: 127.0.0.1:${up.port}\r\nx-a: 1\r\ncontent-length: 0\r\n\r\n`);
  });

  it('is parsed by node:http as the same request', async () => {
    const up = await httpUpstream();
    const pool = makePool(up.url);
    const body = '{"\u00fcber":"\u2603"}';
    expectOk(await run(pool, { path: '/mcp?tenant=t1', headers: headerBlock({ 'mcp-method': 'tools/call' }), body }), body);
    const [req] = up.requests;
    expect(req!.method).toBe('POST');
    expect(req!.url).toBe('/mcp?tenant=t1');
    expect(req!.headers.host).toBe(new URL(up.url).host);
    expect(req!.headers['mcp-method']).toBe('tools/call');
    expect(req!.headers['content-length']).toBe(String(Buffer.byteLength(body)));
    expect(req!.body).toBe(body);
  });
});

// ---------------------------------------------------------------------------------------------
// Content-Length responses
// ---------------------------------------------------------------------------------------------

describe('Content-Length responses', () => {
  it('delivers status, lower-cased (and merged) headers and the body', async () => {
    const up = await rawUpstream((_req, socket) =>
      void socket.write('HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nX-Dup: a\r\nx-dup: b\r\nX-Spaced:   padded value  \r\nContent-Length: 11\r\n\r\n{"ok":true}'),
    );
    const pool = makePool(up.url);
    const rec = await run(pool);
    expectOk(rec, '{"ok":true}', 201);
    expect(rec.responseStarts).toBe(1);
    expect(rec.headers).toEqual({ 'content-type': 'application/json', 'x-dup': 'a, b', 'x-spaced': 'padded value', 'content-length': '11' });
  });

  it('collects a body split across many TCP writes, a multi-byte character split too, exactly', async () => {
    const body = Buffer.from(`${'0123456789'.repeat(20)}\u00e9\u65e5\ud83c\udf89end`, 'utf8');
    const pieces: Buffer[] = [];
    for (let at = 0; at < body.length; at += 7) pieces.push(body.subarray(at, at + 7));
    const up = await rawUpstream((_req, socket) => writeSlowly(socket, [`HTTP/1.1 200 OK\r\ncontent-length: ${body.length}\r\n\r\n`, ...pieces], 3));
    const pool = makePool(up.url);
    const rec = await run(pool);
    expectOk(rec, body.toString('utf8'));
    expect(Buffer.concat(rec.chunks).equals(body)).toBe(true);
    // The connection was fine to keep: the next request reuses it.
    up.script = (_req, socket) => void socket.write(ok('again'));
    expectOk(await run(pool), 'again');
    expect(up.conns.count).toBe(1);
  });

  it('ends a zero-length body at once, without data, and keeps the connection', async () => {
    const up = await httpUpstream((_req, res) => {
      res.writeHead(200, { 'content-length': 0 });
      res.end();
    });
    const pool = makePool(up.url);
    const rec = await run(pool);
    expectOk(rec, '');
    expect(rec.chunks).toHaveLength(0);
    await delay(20);
    expect(rec.ends).toBe(1);
    expect((await run(pool)).ends).toBe(1);
    expect(up.conns.count).toBe(1);
  });

  it('ends a 204 without a body (no length needed) and keeps the connection', async () => {
    const up = await rawUpstream((req, socket) => void socket.write(req.index === 1 ? 'HTTP/1.1 204 No Content\r\nx-a: 1\r\n\r\n' : ok('next')));
    const pool = makePool(up.url);
    const rec = await run(pool);
    expectOk(rec, '', 204);
    expect(rec.chunks).toHaveLength(0);
    expectOk(await run(pool), 'next');
    expect(up.conns.count).toBe(1);
  });

  it('ends a 204 from node:http', async () => {
    const up = await httpUpstream((_req, res) => {
      res.writeHead(204);
      res.end();
    });
    const pool = makePool(up.url);
    expectOk(await run(pool), '', 204);
    expectOk(await run(pool), '', 204);
    expect(up.conns.count).toBe(1);
  });
});

// ---------------------------------------------------------------------------------------------
// Chunked responses
// ---------------------------------------------------------------------------------------------

const CHUNKED_HEAD = 'HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n';
/** Extensions, an upper-case hex size, data containing CRLF, UTF-8, trailers. */
const CHUNKED_BODY = Buffer.from(
  '5;foo=bar\r\nhello\r\n' +
    '1A\r\nabcdefghijklmnopqrstuvwxyz\r\n' +
    '3;name="a;b"\r\n\u00e9!\r\n' +
    '6\r\nx\r\ny\r\n\r\n' +
    '0\r\nx-trailer: yes\r\nx-other: 2\r\n\r\n',
  'utf8',
);
const CHUNKED_TEXT = 'helloabcdefghijklmnopqrstuvwxyz\u00e9!x\r\ny\r\n';

/** The byte offset `offset` bytes into the first occurrence of `marker` in CHUNKED_BODY. */
function chunkedAt(marker: string, offset: number): number {
  const at = CHUNKED_BODY.indexOf(Buffer.from(marker, 'utf8'));
  if (at < 0) throw new Error(`no ${JSON.stringify(marker)}`);
  return at + offset;
}

/** The head and the body split at byte `at` of the body (0: the head alone, then the whole body). */
function chunkedSplitAt(at: number): Buffer[] {
  return [Buffer.concat([Buffer.from(CHUNKED_HEAD), CHUNKED_BODY.subarray(0, at)]), CHUNKED_BODY.subarray(at)];
}

describe('chunked responses', () => {
  it('joins several chunks (extensions, upper-case hex, CRLF in data, trailers) sent in one write; ends once; keeps the connection', async () => {
    const up = await rawUpstream((req, socket) => void socket.write(req.index === 1 ? Buffer.concat([Buffer.from(CHUNKED_HEAD), CHUNKED_BODY]) : ok('next')));
    const pool = makePool(up.url);
    const rec = await run(pool);
    expectOk(rec, CHUNKED_TEXT);
    expect(rec.headers!['transfer-encoding']).toBe('chunked');
    await delay(30);
    expect(rec.ends).toBe(1);
    expect(rec.errors).toEqual([]);
    expectOk(await run(pool), 'next');
    expect(up.conns.count).toBe(1);
  });

  it('reads sizes in upper- and lower-case hex', async () => {
    const data = 'x'.repeat(0xab) + 'y'.repeat(0x1f);
    const up = await rawUpstream((_req, socket) => void socket.write(`${CHUNKED_HEAD}AB\r\n${'x'.repeat(0xab)}\r\n1f\r\n${'y'.repeat(0x1f)}\r\n0\r\n\r\n`));
    const pool = makePool(up.url);
    expectOk(await run(pool), data);
  });

  it.each([
    ['between the head and the body', 0],
    ['inside a size line', chunkedAt('5;foo=bar', 3)],
    ['inside a chunk extension', chunkedAt('5;foo=bar', 6)],
    ['between the digits of an upper-case hex size', chunkedAt('1A\r\n', 1)],
    ['between a size line and its CRLF', chunkedAt('5;foo=bar\r\n', 9)],
    ['inside the CRLF after a size line', chunkedAt('5;foo=bar\r\n', 10)],
    ['between a size CRLF and the data', chunkedAt('hello', 0)],
    ['inside the data', chunkedAt('hello', 2)],
    ['inside a multi-byte character', chunkedAt('\u00e9', 1)],
    ['inside a CRLF that is chunk data', chunkedAt('x\r\ny', 2)],
    ['between the data and its CRLF', chunkedAt('hello\r\n', 5)],
    ['inside the CRLF after the data', chunkedAt('hello\r\n', 6)],
    ['inside the last-chunk line', chunkedAt('0\r\nx-trailer', 1)],
    ['inside the CRLF after the last-chunk line', chunkedAt('0\r\nx-trailer', 2)],
    ['inside a trailer', chunkedAt('x-trailer', 4)],
    ['inside the CRLF after the last trailer', chunkedAt('x-other: 2\r\n', 11)],
    ['before the final CRLF', CHUNKED_BODY.length - 2],
    ['inside the final CRLF', CHUNKED_BODY.length - 1],
  ])('joins a body split across TCP writes %s (byte %i)', async (_where, at) => {
    const up = await rawUpstream((_req, socket) => writeSlowly(socket, chunkedSplitAt(at), 30));
    const pool = makePool(up.url);
    const rec = await run(pool, { timeoutMs: 1_000 });
    expectOk(rec, CHUNKED_TEXT);
    await delay(30);
    expect(rec.ends).toBe(1);
  });

  it('joins the body exactly whatever byte it is split at (every position, one connection while it works)', async () => {
    let at = 0;
    const up = await rawUpstream((_req, socket) => writeSlowly(socket, chunkedSplitAt(at), 10));
    const pool = makePool(up.url);
    const failures: string[] = [];
    for (at = 0; at < CHUNKED_BODY.length; at++) {
      const rec = await run(pool, { timeoutMs: 500 });
      await delay(5);
      const context = `${JSON.stringify(CHUNKED_BODY.subarray(Math.max(0, at - 4), at).toString('latin1'))}|${JSON.stringify(CHUNKED_BODY.subarray(at, at + 4).toString('latin1'))}`;
      if (rec.errors.length > 0 || rec.ends !== 1 || rec.body !== CHUNKED_TEXT) {
        failures.push(`byte ${at} ${context}: ${rec.errors[0]?.message ?? `ends=${rec.ends} body=${JSON.stringify(rec.body)}`}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('joins the body exactly when every byte comes in its own write', async () => {
    const bytes = [...CHUNKED_BODY].map((byte) => Buffer.from([byte]));
    const up = await rawUpstream((_req, socket) => writeSlowly(socket, [CHUNKED_HEAD, ...bytes], 4));
    const pool = makePool(up.url);
    const rec = await run(pool, { timeoutMs: 2_000 });
    expectOk(rec, CHUNKED_TEXT);
    await delay(30);
    expect(rec.ends).toBe(1);
  });
});

// ---------------------------------------------------------------------------------------------
// Read-to-close bodies, 1xx
// ---------------------------------------------------------------------------------------------

describe('bodies read until the connection closes', () => {
  it('end when the server closes, and that connection is not reused', async () => {
    const up = await rawUpstream(async (req, socket) => {
      if (req.index > 1) return void socket.write(ok(`on ${req.connection}`));
      await writeSlowly(socket, ['HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\n', 'part one, ', 'part \u00e9 two, ', 'end'], 15);
      await delay(15);
      socket.end();
    });
    const pool = makePool(up.url);
    const rec = await run(pool);
    expectOk(rec, 'part one, part \u00e9 two, end');
    await delay(30);
    expect(rec.ends).toBe(1);
    expectOk(await run(pool), 'on 2');
    expect(up.conns.count).toBe(2);
  });

  it('read an HTTP/1.0 answer without a length to the close too', async () => {
    const up = await rawUpstream((_req, socket) => void socket.end('HTTP/1.0 200 OK\r\n\r\nold style'));
    const pool = makePool(up.url);
    expectOk(await run(pool), 'old style');
    expectOk(await run(pool), 'old style');
    expect(up.conns.count).toBe(2);
  });
});

describe('1xx informational responses', () => {
  it('are skipped (100 Continue and 103 Early Hints in their own writes) and the real answer is delivered', async () => {
    const up = await rawUpstream((req, socket) =>
      req.index === 1
        ? writeSlowly(socket, ['HTTP/1.1 100 Continue\r\n\r\n', 'HTTP/1.1 103 Early Hints\r\nlink: </style.css>; rel=preload\r\n\r\n', reply(200, { 'content-length': 4, 'x-final': 'yes' }, 'real')])
        : void socket.write(ok('next')),
    );
    const pool = makePool(up.url);
    const rec = await run(pool);
    expectOk(rec, 'real');
    expect(rec.responseStarts).toBe(1);
    expect(rec.headers).toEqual({ 'content-length': '4', 'x-final': 'yes' });
    expectOk(await run(pool), 'next');
    expect(up.conns.count).toBe(1);
  });

  it('are skipped when they arrive in one write with the answer, and when split mid-way', async () => {
    const all = `HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nlink: </a>\r\n\r\n${reply(200, { 'transfer-encoding': 'chunked' }, '2\r\nok\r\n0\r\n\r\n')}`;
    const up = await rawUpstream((req, socket) => (req.index === 1 ? void socket.write(all) : writeSlowly(socket, [all.slice(0, 20), all.slice(20, 50), all.slice(50)])));
    const pool = makePool(up.url);
    const first = await run(pool);
    expectOk(first, 'ok');
    expect(first.responseStarts).toBe(1);
    const second = await run(pool);
    expectOk(second, 'ok');
    expect(second.responseStarts).toBe(1);
    expect(up.conns.count).toBe(1);
  });
});

// ---------------------------------------------------------------------------------------------
// Keep-alive
// ---------------------------------------------------------------------------------------------

describe('keep-alive', () => {
  it('sends sequential requests on one connection', async () => {
    const up = await httpUpstream();
    const pool = makePool(up.url);
    expectOk(await run(pool, { body: 'one' }), 'one');
    expectOk(await run(pool, { body: 'two' }), 'two');
    expectOk(await run(pool, { body: 'three' }), 'three');
    expect(up.conns.count).toBe(1);
    expect(up.requests.map((req) => req.connection)).toEqual([1, 1, 1]);
  });

  it('releases the connection before onResponseEnd: a request sent from onResponseEnd reuses it', async () => {
    const up = await httpUpstream();
    const pool = makePool(up.url);
    const holder: { next?: Recorder } = {};
    expectOk(await run(pool, { body: 'one' }, { onResponseEnd: () => (holder.next = start(pool, { body: 'two' })) }), 'one');
    await within(holder.next!.settled, 5_000, 'the second exchange');
    expectOk(holder.next!, 'two');
    expect(up.conns.count).toBe(1);
  });

  it('does not reuse a connection whose response said connection: close (the client closes it)', async () => {
    const up = await rawUpstream((req, socket) => void socket.write(req.index === 1 ? reply(200, { 'content-length': 3, Connection: 'Close' }, 'bye') : ok(`on ${req.connection}`)));
    const pool = makePool(up.url);
    expectOk(await run(pool), 'bye');
    await within(up.conns.closed(1), 2_000, 'the server seeing connection 1 close');
    expectOk(await run(pool), 'on 2');
    expect(up.conns.count).toBe(2);
  });

  it('does not reuse a connection after an HTTP/1.0 response without keep-alive', async () => {
    const up = await rawUpstream((req, socket) => void socket.write(req.index === 1 ? reply(200, { 'content-length': 2 }, 'ok', '1.0') : ok(`on ${req.connection}`)));
    const pool = makePool(up.url);
    expectOk(await run(pool), 'ok');
    await within(up.conns.closed(1), 2_000, 'the server seeing connection 1 close');
    expectOk(await run(pool), 'on 2');
    expect(up.conns.count).toBe(2);
  });

  it('reuses a connection after an HTTP/1.0 response with connection: keep-alive', async () => {
    const up = await rawUpstream((req, socket) => void socket.write(reply(200, { 'content-length': 4, connection: 'keep-alive' }, `on ${req.connection}`, '1.0')));
    const pool = makePool(up.url);
    expectOk(await run(pool), 'on 1');
    expectOk(await run(pool), 'on 1');
    expect(up.conns.count).toBe(1);
  });

  it('drops a kept-alive connection the server closed while idle; the next request opens a new one without a retry', async () => {
    const up = await httpUpstream();
    up.server.keepAliveTimeout = 100;
    const pool = makePool(up.url);
    expectOk(await run(pool, { body: 'one' }), 'one');
    await within(up.conns.closed(1), 2_000, 'the server closing the idle connection');
    await delay(100);
    const rec = await run(pool, { body: 'two' });
    expectOk(rec, 'two');
    expect(rec.requestStarts).toBe(1);
    expect(up.conns.count).toBe(2);
  });
});

// ---------------------------------------------------------------------------------------------
// Stale keep-alive connections: the one retry
// ---------------------------------------------------------------------------------------------

describe('a request on a stale kept-alive connection', () => {
  it('is retried once on a fresh connection when the server closed the connection just as it was reused', async () => {
    // The server answers and closes; the next request is sent from onResponseEnd, in the same tick
    // that read the answer, so it goes out on the connection before its close is seen.
    const up = await rawUpstream((req, socket) => void (req.connection === 1 ? socket.end(ok('first')) : socket.write(ok(`on ${req.connection}`))));
    const pool = makePool(up.url);
    const holder: { next?: Recorder } = {};
    expectOk(await run(pool, {}, { onResponseEnd: () => (holder.next = start(pool, { body: 'second' })) }), 'first');
    await within(holder.next!.settled, 5_000, 'the second exchange');
    expectOk(holder.next!, 'on 2');
    expect(holder.next!.requestStarts).toBe(2);
    expect(up.conns.count).toBe(2);
    expect(up.requests.filter((req) => req.connection === 2).map((req) => req.body.toString())).toEqual(['second']);
  });

  it('is retried once on a fresh connection when the server destroys the connection on receiving it', async () => {
    const up = await rawUpstream((req, socket) => void (req.onConnection === 2 ? socket.destroy() : socket.write(ok(`#${req.index} on ${req.connection}`))));
    const pool = makePool(up.url);
    expectOk(await run(pool), '#1 on 1');
    const rec = await run(pool, { body: 'again' });
    expectOk(rec, '#3 on 2');
    expect(rec.requestStarts).toBe(2);
    expect(rec.responseStarts).toBe(1);
    expect(up.conns.count).toBe(2);
    expect(up.requests.map((req) => req.body.toString())).toEqual(['{"jsonrpc":"2.0","id":1}', 'again', 'again']);
  });

  it('is retried only once: the retry failing too reaches onResponseError', async () => {
    const up = await rawUpstream((req, socket) => void (req.index === 1 ? socket.write(ok('first')) : socket.destroy()));
    const pool = makePool(up.url);
    expectOk(await run(pool), 'first');
    const rec = await run(pool);
    expectFailed(rec);
    expect(rec.requestStarts).toBe(2);
    await delay(100);
    expect(up.conns.count).toBe(2);
    expect(up.requests).toHaveLength(3);
  });

  it.each([
    ['part of the head', 'HTTP/1.1 200 OK\r\ncontent-le'],
    ['the head and part of the body', 'HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc'],
  ])('is NOT retried once %s arrived before the connection died', async (_what, partial) => {
    const up = await rawUpstream(async (req, socket) => {
      if (req.index === 1) return void socket.write(ok('first'));
      socket.write(partial);
      await delay(50);
      socket.end();
    });
    const pool = makePool(up.url);
    expectOk(await run(pool), 'first');
    const rec = await run(pool);
    expectFailed(rec, /closed the connection/);
    expect(rec.requestStarts).toBe(1);
    await delay(150);
    expect(up.conns.count).toBe(1);
    expect(up.requests).toHaveLength(2);
  });

  it('is not retried when it was a fresh connection that failed', async () => {
    const up = await rawUpstream((req, socket) => void (req.index === 1 ? socket.destroy() : socket.write(ok('fine'))));
    const pool = makePool(up.url);
    const rec = await run(pool);
    expectFailed(rec);
    expect(rec.requestStarts).toBe(1);
    await delay(150);
    expect(up.conns.count).toBe(1);
    expect(up.requests).toHaveLength(1);
    expectOk(await run(pool), 'fine');
  });
});

// ---------------------------------------------------------------------------------------------
// Malformed answers and connection failures
// ---------------------------------------------------------------------------------------------

describe('errors', () => {
  it.each([
    ['a malformed status line', 'HTTX/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok', /malformed HTTP response/],
    ['an HTTP/2 status line', 'HTTP/2 200\r\ncontent-length: 2\r\n\r\nok', /malformed HTTP response/],
    ['a status line without a code', 'HTTP/1.1 OK\r\ncontent-length: 2\r\n\r\nok', /malformed HTTP response/],
    ['a header line without a colon', 'HTTP/1.1 200 OK\r\ncontent-type text/plain\r\ncontent-length: 2\r\n\r\nok', /malformed HTTP response/],
    ['a header line with an empty name', 'HTTP/1.1 200 OK\r\n: nameless\r\ncontent-length: 2\r\n\r\nok', /malformed HTTP response/],
    ['a content-length that is not a number', 'HTTP/1.1 200 OK\r\ncontent-length: 12abc\r\n\r\nok', /malformed HTTP response/],
    ['a negative content-length', 'HTTP/1.1 200 OK\r\ncontent-length: -1\r\n\r\n', /malformed HTTP response/],
    ['more body bytes than the content-length', 'HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\nhello', /more than its Content-Length/],
    ['a malformed chunk size', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n', /malformed chunk/],
    ['a negative chunk size', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n-5\r\nhello\r\n0\r\n\r\n', /malformed chunk/],
    ['bytes instead of the CRLF after chunk data', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhelloXX\r\n0\r\n\r\n', /malformed chunk/],
    ['a chunk-size line that never ends', `HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5${';x'.repeat(2100)}`, /malformed chunk/],
  ])('%s reaches onResponseError, the connection is closed and the pool stays usable', async (_what, answer, message) => {
    const up = await rawUpstream((req, socket) => void socket.write(req.index === 1 ? answer : ok(`on ${req.connection}`)));
    const pool = makePool(up.url);
    const rec = await run(pool);
    expectFailed(rec, message);
    await within(up.conns.closed(1), 2_000, 'the server seeing the bad connection close');
    expectOk(await run(pool), 'on 2');
    await delay(20);
    expect(rec.errors).toHaveLength(1);
    expect(rec.ends).toBe(0);
  });

  it('delivers no data beyond the content-length', async () => {
    const up = await rawUpstream((_req, socket) => void socket.write('HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\nhello'));
    const pool = makePool(up.url);
    const rec = await run(pool);
    expectFailed(rec, /more than its Content-Length/);
    expect(rec.body.length).toBeLessThanOrEqual(3);
  });

  describe('a response head larger than maxHeadBytes', () => {
    const padding = 'p'.repeat(1_000);
    const big = reply(200, { 'content-length': 2, 'x-padding': padding }, 'ok');

    it('fails the exchange when it arrives in pieces', async () => {
      const up = await rawUpstream((req, socket) => (req.index === 1 ? writeSlowly(socket, [big.slice(0, 600), big.slice(600)], 100) : void socket.write(ok(`on ${req.connection}`))));
      const pool = makePool(up.url, { maxHeadBytes: 256 });
      expectFailed(await run(pool), /head is too large/);
      await within(up.conns.closed(1), 2_000, 'the server seeing the connection close');
      expectOk(await run(pool), 'on 2');
    });

    it('fails the exchange when it arrives in one write', async () => {
      const up = await rawUpstream((req, socket) => void socket.write(req.index === 1 ? big : ok(`on ${req.connection}`)));
      const pool = makePool(up.url, { maxHeadBytes: 256 });
      expectFailed(await run(pool), /head is too large/);
      expectOk(await run(pool), 'on 2');
    });

    it('is not what a head within the limit does', async () => {
      const up = await rawUpstream((_req, socket) => void socket.write(reply(200, { 'content-length': 2, 'x-padding': 'p'.repeat(150) }, 'ok')));
      const pool = makePool(up.url, { maxHeadBytes: 256 });
      expectOk(await run(pool), 'ok');
    });
  });

  it('a refused connection reaches onResponseError (ECONNREFUSED), and the pool works once the server is there', async () => {
    const probe = createNetServer();
    probe.listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));

    const pool = makePool(`http://127.0.0.1:${port}/rpc`);
    const rec = await run(pool);
    expect(errorCode(expectFailed(rec))).toBe('ECONNREFUSED');
    expect(rec.requestStarts).toBe(1);
    expect(errorCode(expectFailed(await run(pool)))).toBe('ECONNREFUSED');

    const up = new RawUpstream();
    await up.start(port);
    cleanups.splice(cleanups.length - 1, 0, () => up.stop());
    expectOk(await run(pool), 'ok');
  });
});

// ---------------------------------------------------------------------------------------------
// Deadlines
// ---------------------------------------------------------------------------------------------

describe('deadlines', () => {
  it('fail a request the server never answers with HTTP1_TIMEOUT, close the connection, and leave the pool usable', async () => {
    const up = await rawUpstream((req, socket) => (req.index === 1 ? undefined : void socket.write(ok('late but fine'))));
    const pool = makePool(up.url);
    const timeoutMs = 300;
    const started = Date.now();
    const rec = await run(pool, { timeoutMs });
    const elapsed = Date.now() - started;
    const error = expectFailed(rec, /within 300 ms/);
    expect(errorCode(error)).toBe('HTTP1_TIMEOUT');
    expect(elapsed).toBeGreaterThanOrEqual(timeoutMs - 10);
    expect(elapsed).toBeLessThan(timeoutMs + 450);
    await within(up.conns.closed(1), 2_000, 'the server seeing the timed-out connection close');
    expectOk(await run(pool, { timeoutMs }), 'late but fine');
  });

  it('fail a body that stalls after the head', async () => {
    const up = await rawUpstream((_req, socket) => void socket.write('HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc'));
    const pool = makePool(up.url);
    const rec = await run(pool, { timeoutMs: 300 });
    expect(errorCode(expectFailed(rec))).toBe('HTTP1_TIMEOUT');
    expect(rec.status).toBe(200);
    expect(rec.body).toBe('abc');
  });

  it('do not end a streaming body whose data keeps arriving within the timeout, however long it takes in total', async () => {
    const pieces = Array.from({ length: 12 }, (_unused, i) => `${i.toString(16).toUpperCase()}\r\n${'z'.repeat(i)}\r\n`).filter((piece) => !piece.startsWith('0\r'));
    const text = pieces.map((_piece, i) => 'z'.repeat(i + 1)).join('');
    const up = await rawUpstream((_req, socket) => writeSlowly(socket, [CHUNKED_HEAD, ...pieces, '0\r\n\r\n'], 80));
    const pool = makePool(up.url);
    const started = Date.now();
    const rec = await run(pool, { timeoutMs: 400 });
    expectOk(rec, text);
    expect(Date.now() - started).toBeGreaterThan(400);
  });
});

// ---------------------------------------------------------------------------------------------
// control.abort
// ---------------------------------------------------------------------------------------------

describe('control.abort', () => {
  it('from onRequestStart on a fresh connection: the handler gets the reason, nothing is sent, later requests work', async () => {
    const up = await rawUpstream();
    const pool = makePool(up.url);
    const reason = new Error('caller went away');
    const rec = await run(pool, {}, { onRequestStart: (control) => control.abort(reason) });
    expect(expectFailed(rec)).toBe(reason);
    expect(rec.responseStarts).toBe(0);
    await delay(100);
    expect(up.requests).toHaveLength(0);
    expectOk(await run(pool), 'ok');
  });

  it('from onRequestStart on a reused connection: the server sees it close, later requests work', async () => {
    const up = await rawUpstream((req, socket) => void socket.write(ok(`on ${req.connection}`)));
    const pool = makePool(up.url);
    expectOk(await run(pool), 'on 1');
    const reason = new Error('cancelled');
    const rec = await run(pool, {}, { onRequestStart: (control) => control.abort(reason) });
    expect(expectFailed(rec)).toBe(reason);
    await within(up.conns.closed(1), 2_000, 'the server seeing the connection close');
    expect(up.requests).toHaveLength(1);
    expectOk(await run(pool), 'on 2');
  });

  it('after the head: the handler gets the reason and no data, the server sees the close, later requests work', async () => {
    const up = await rawUpstream((req, socket) => void socket.write(req.index === 1 ? 'HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nab' : ok(`on ${req.connection}`)));
    const pool = makePool(up.url);
    const reason = new Error('enough');
    const rec = await run(pool, {}, { onResponseStart: (control) => control.abort(reason) });
    expect(expectFailed(rec)).toBe(reason);
    expect(rec.status).toBe(200);
    expect(rec.chunks).toHaveLength(0);
    await within(up.conns.closed(1), 2_000, 'the server seeing the connection close');
    expectOk(await run(pool), 'on 2');
    await delay(20);
    expect(rec.errors).toHaveLength(1);
  });

  it('from onResponseData in a chunked body: no more data, the reason, the server sees the close', async () => {
    const up = await rawUpstream((req, socket) =>
      req.index === 1 ? writeSlowly(socket, [`${CHUNKED_HEAD}3\r\none\r\n3\r\ntwo\r\n`, '5\r\nthree\r\n0\r\n\r\n'], 50) : void socket.write(ok(`on ${req.connection}`)),
    );
    const pool = makePool(up.url);
    const reason = new Error('stop reading');
    const rec = await run(pool, {}, { onResponseData: (control) => control.abort(reason) });
    expect(expectFailed(rec)).toBe(reason);
    expect(rec.body).toBe('one');
    await within(up.conns.closed(1), 2_000, 'the server seeing the connection close');
    await delay(100);
    expect(rec.body).toBe('one');
    expectOk(await run(pool), 'on 2');
  });

  it('after the end is a no-op: no error, and the connection stays in use', async () => {
    const up = await rawUpstream((req, socket) => void socket.write(ok(`on ${req.connection}`)));
    const pool = makePool(up.url);
    const holder: { control?: ExchangeControl } = {};
    const rec = await run(pool, {}, { onResponseEnd: (control) => (holder.control = control) });
    expectOk(rec, 'on 1');
    holder.control!.abort(new Error('too late'));
    expect(rec.errors).toEqual([]);
    expectOk(await run(pool), 'on 1');
    expect(up.conns.isClosed(1)).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// maxConnections, close(), the idle timeout
// ---------------------------------------------------------------------------------------------

describe('maxConnections', () => {
  it('with 2, five concurrent requests use at most two connections at a time and all complete', async () => {
    const up = await httpUpstream(async (req, res) => {
      await delay(150);
      res.writeHead(200, { 'content-length': Buffer.byteLength(req.body) });
      res.end(req.body);
    });
    const pool = makePool(up.url, { maxConnections: 2 });
    const recs = Array.from({ length: 5 }, (_unused, i) => start(pool, { body: `request ${i}` }));
    await within(Promise.all(recs.map((rec) => rec.settled)), 10_000, 'all five exchanges');
    recs.forEach((rec, i) => expectOk(rec, `request ${i}`));
    expect(up.conns.maxOpen).toBeLessThanOrEqual(2);
    expect(up.conns.count).toBe(2);
    expect(up.maxActive).toBe(2);
    expect(up.requests).toHaveLength(5);
  });

  it('with 1, queued requests run in order, and a failed exchange hands its place to the next', async () => {
    // 'b' gets a malformed answer (some bytes arrived, so it is not retried): its connection goes.
    const up = await rawUpstream(async (req, socket) => {
      await delay(30);
      socket.write(req.body.toString() === 'b' ? 'garbage\r\n\r\n' : ok(`${req.body.toString()} on ${req.connection}`));
    });
    const pool = makePool(up.url, { maxConnections: 1 });
    const recs = ['a', 'b', 'c', 'd'].map((body) => start(pool, { body }));
    await within(Promise.all(recs.map((rec) => rec.settled)), 10_000, 'all four exchanges');
    expectOk(recs[0]!, 'a on 1');
    expectFailed(recs[1]!, /malformed/);
    expectOk(recs[2]!, 'c on 2');
    expectOk(recs[3]!, 'd on 2');
    expect(up.conns.count).toBe(2);
    expect(up.requests.map((req) => req.body.toString())).toEqual(['a', 'b', 'c', 'd']);
  });
});

describe('close()', () => {
  it('closes idle connections (the server sees them close)', async () => {
    const up = await httpUpstream();
    const pool = makePool(up.url);
    expectOk(await run(pool, { body: 'x' }), 'x');
    expect(up.conns.isClosed(1)).toBe(false);
    await pool.close();
    await within(up.conns.closed(1), 2_000, 'the server seeing the idle connection close');
  });

  it('fails queued requests', async () => {
    const up = await rawUpstream(() => undefined);
    const pool = makePool(up.url, { maxConnections: 1 });
    start(pool, { body: 'held' });
    const queued = [start(pool, { body: 'q1' }), start(pool, { body: 'q2' })];
    while (up.requests.length === 0) await delay(10);
    await pool.close();
    await within(Promise.all(queued.map((rec) => rec.settled)), 2_000, 'the queued exchanges failing');
    for (const rec of queued) {
      expectFailed(rec, /pool is closed/);
      expect(rec.requestStarts).toBe(0);
    }
    await within(up.conns.closed(1), 2_000, 'the server seeing the busy connection close');
    expect(up.requests.map((req) => req.body.toString())).toEqual(['held']);
  });

  it('fails a dispatch after it, without connecting', async () => {
    const up = await rawUpstream();
    const pool = makePool(up.url);
    await pool.close();
    const rec = await run(pool);
    expectFailed(rec, /pool is closed/);
    expect(rec.requestStarts).toBe(0);
    await delay(100);
    expect(up.conns.count).toBe(0);
  });

  it('fails a request in flight (waiting for its answer) instead of leaving it unsettled', async () => {
    const up = await rawUpstream(() => undefined);
    const pool = makePool(up.url);
    const rec = start(pool, { timeoutMs: 500 });
    while (up.requests.length === 0) await delay(10);
    await pool.close();
    await within(rec.settled, 1_500, 'the in-flight exchange settling after close()');
    expectFailed(rec);
  });

  it('fails a read-to-close body in flight instead of ending it as if complete', async () => {
    const up = await rawUpstream((_req, socket) => void socket.write('HTTP/1.1 200 OK\r\n\r\npartial'));
    const pool = makePool(up.url);
    const rec = start(pool);
    while (rec.chunks.length === 0) await delay(10);
    await pool.close();
    await within(rec.settled, 1_500, 'the in-flight exchange settling after close()');
    expect(rec.body).toBe('partial');
    expectFailed(rec);
  });
});

describe('the idle timeout', () => {
  it('closes an idle connection after idleTimeoutMs (the server sees it close); the next request opens a new one', async () => {
    const up = await httpUpstream();
    const pool = makePool(up.url, { idleTimeoutMs: 100 });
    expectOk(await run(pool, { body: 'one' }), 'one');
    await within(up.conns.closed(1), 2_000, 'the idle timeout closing the connection');
    const rec = await run(pool, { body: 'two' });
    expectOk(rec, 'two');
    expect(rec.requestStarts).toBe(1);
    expect(up.conns.count).toBe(2);
  });

  it('keeps a connection that is used again before it', async () => {
    const up = await httpUpstream();
    const pool = makePool(up.url, { idleTimeoutMs: 400 });
    for (const body of ['a', 'b', 'c', 'd']) {
      expectOk(await run(pool, { body }), body);
      await delay(100);
    }
    expect(up.conns.count).toBe(1);
    expect(up.conns.isClosed(1)).toBe(false);
  });
});
