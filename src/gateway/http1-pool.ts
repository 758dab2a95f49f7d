/**
 * A small HTTP/1.1 client for plain-HTTP upstreams on the gateway's hot path: keep-alive
 * connections, one request at a time per connection, each request written as one string, the
 * response parsed straight off the socket (Content-Length, chunked, or read to close).
 *
 * Why not undici here: for a small JSON-RPC call the general client's per-request machinery costs
 * about three times what the exchange itself costs (measured on this path: ~45 µs against ~15 µs
 * of CPU per call), and a gateway pays it on every relayed call. Only what this path needs is
 * implemented — no redirects, no pipelining, no compression (none is asked for), no upgrades —
 * and `https:` upstreams keep using undici. Handlers get the same callbacks as undici's dispatch
 * handlers, so one response reader serves both.
 */
import { connect, type LookupFunction, type Socket } from 'node:net';

/** How a handler stops its own exchange (closing the connection: the modern era's cancellation). */
export interface ExchangeControl {
  abort(reason: Error): void;
}

/** The response callbacks (the subset of undici's DispatchHandler this path uses). */
export interface ResponseHandler {
  /** The request is on a connection: from here `control.abort` closes it. */
  onRequestStart?(control: ExchangeControl): void;
  onResponseStart(control: ExchangeControl, statusCode: number, headers: Record<string, string>): void;
  /** `chunk` is valid only during the call (the pool reads into one reused buffer): copy what you keep. */
  onResponseData(control: ExchangeControl, chunk: Buffer): void;
  onResponseEnd(control: ExchangeControl): void;
  onResponseError(control: ExchangeControl, error: Error): void;
}

export interface Http1Request {
  path: string;
  /** Header lines, already validated (see `headerBlock`). */
  headers: string;
  body: string;
  /** No response head, or no body data, for this long fails the exchange (`HTTP1_TIMEOUT`). */
  timeoutMs: number;
}

export interface Http1PoolOptions {
  maxConnections?: number;
  /** Idle connections are closed after this long (below common server keep-alive timeouts, so a reused one is rarely stale). */
  idleTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** Response heads larger than this fail the exchange. */
  maxHeadBytes?: number;
  /** Resolves the host of each new connection (the gateway's network guard); default: the system's. */
  lookup?: LookupFunction;
}

const LF = 0x0a;
const HEAD_END = Buffer.from('\r\n\r\n');
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Header lines for a request; refuses names and values that could split the request (CR, LF, NUL). */
export function headerBlock(headers: Record<string, string | number>): string {
  let block = '';
  for (const [name, raw] of Object.entries(headers)) {
    const value = String(raw);
    if (!TOKEN.test(name)) throw new Error(`invalid header name: ${JSON.stringify(name)}`);
    if (/[\r\n\0]/.test(value)) throw new Error(`invalid value for header ${name}`);
    block += `${name}: ${value}\r\n`;
  }
  return block;
}

function timeoutError(ms: number): Error {
  return Object.assign(new Error(`no answer from the upstream within ${ms} ms`), { code: 'HTTP1_TIMEOUT' });
}

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isSpace = (c: number) => c === 0x20 || c === 0x09;

/**
 * A response head (status line and header lines, without the blank line): `HTTP/1.0` or `HTTP/1.1`
 * and a three-digit status, header names lower-cased, repeated headers joined with ", ".
 * Undefined when malformed. It scans the text once, without split or regular expressions: it runs
 * for every relayed call.
 */
export function parseResponseHead(text: string): { status: number; minor: 0 | 1; headers: Record<string, string> } | undefined {
  const version = text.charCodeAt(7);
  if (!text.startsWith('HTTP/1.') || (version !== 0x30 && version !== 0x31) || text.charCodeAt(8) !== 0x20) return undefined;
  const d0 = text.charCodeAt(9);
  const d1 = text.charCodeAt(10);
  const d2 = text.charCodeAt(11);
  if (!isDigit(d0) || !isDigit(d1) || !isDigit(d2)) return undefined;
  const status = (d0 - 0x30) * 100 + (d1 - 0x30) * 10 + (d2 - 0x30);
  const headers: Record<string, string> = {};
  let eol = text.indexOf('\r\n');
  while (eol >= 0) {
    const start = eol + 2;
    eol = text.indexOf('\r\n', start);
    const end = eol < 0 ? text.length : eol;
    const colon = text.indexOf(':', start);
    if (colon < 0 || colon >= end) return undefined;
    let nameEnd = colon;
    while (nameEnd > start && isSpace(text.charCodeAt(nameEnd - 1))) nameEnd--;
    let nameStart = start;
    while (nameStart < nameEnd && isSpace(text.charCodeAt(nameStart))) nameStart++;
    if (nameStart === nameEnd) return undefined;
    let valueStart = colon + 1;
    let valueEnd = end;
    while (valueStart < valueEnd && isSpace(text.charCodeAt(valueStart))) valueStart++;
    while (valueEnd > valueStart && isSpace(text.charCodeAt(valueEnd - 1))) valueEnd--;
    const name = text.slice(nameStart, nameEnd).toLowerCase();
    const value = text.slice(valueStart, valueEnd);
    const prior = headers[name];
    headers[name] = prior === undefined ? value : `${prior}, ${value}`;
  }
  return { status, minor: version === 0x31 ? 1 : 0, headers };
}

type Framing = { kind: 'length'; remaining: number } | { kind: 'chunked'; state: 'size' | 'data' | 'data-end' | 'trailers'; remaining: number } | { kind: 'close' } | { kind: 'none' };

interface Pending {
  request: Http1Request;
  handler: ResponseHandler;
  /** A request on a reused connection that died before any answer is sent once more on a new one. */
  retried: boolean;
}

class Exchange implements ExchangeControl {
  deadline: number;
  done = false;
  constructor(
    readonly pending: Pending,
    private readonly connection: Connection,
  ) {
    this.deadline = Date.now() + pending.request.timeoutMs;
  }
  abort(reason: Error): void {
    if (this.done) return;
    this.done = true;
    this.connection.destroy();
    this.pending.handler.onResponseError(this, reason);
  }
}

class Connection {
  readonly socket: Socket;
  exchange: Exchange | undefined;
  /** Answered at least one request (so a failure before any byte may be a stale keep-alive). */
  reused = false;
  /** When it last went idle (the pool's housekeeping timer closes it after the idle timeout). */
  idleSince = 0;
  private head: Buffer | undefined;
  private framing: Framing | undefined;
  private keepAlive = true;
  private received = false;
  private closed = false;
  private sizeLine = '';

  constructor(
    private readonly pool: Http1Pool,
    host: string,
    port: number,
    connectTimeoutMs: number,
  ) {
    // Reads land in the pool's one buffer and come straight here (no stream, no Buffer per read).
    this.socket = connect({ host, port, onread: { buffer: pool.readBuffer, callback: (size) => this.onRead(size) }, ...(pool.lookup ? { lookup: pool.lookup } : {}) });
    this.socket.setNoDelay(true);
    this.socket.setTimeout(connectTimeoutMs, () => this.fail(Object.assign(new Error(`connecting to the upstream timed out after ${connectTimeoutMs} ms`), { code: 'HTTP1_TIMEOUT' })));
    this.socket.once('connect', () => this.socket.setTimeout(0));
    this.socket.on('error', (err) => this.fail(err));
    this.socket.on('close', () => this.onClose());
  }

  send(pending: Pending): void {
    this.exchange = new Exchange(pending, this);
    this.head = undefined;
    this.framing = undefined;
    this.received = false;
    const { request } = pending;
    pending.handler.onRequestStart?.(this.exchange);
    if (this.exchange.done) return;
    this.socket.write(`POST ${request.path} HTTP/1.1\r\nhost: ${this.pool.host}\r\n${request.headers}content-length: ${Buffer.byteLength(request.body)}\r\n\r\n${request.body}`);
  }

  destroy(): void {
    this.closed = true;
    this.socket.destroy();
    this.pool.forget(this);
  }

  idle(): void {
    this.exchange = undefined;
    this.idleSince = Date.now();
  }

  private onRead(size: number): true {
    this.onData(this.pool.readBuffer.subarray(0, size));
    return true;
  }

  private onData(data: Buffer): void {
    const exchange = this.exchange;
    // Bytes nobody asked for (no request in flight): the connection is out of step; drop it.
    if (!exchange || exchange.done) return this.destroy();
    this.received = true;
    exchange.deadline = Date.now() + exchange.pending.request.timeoutMs;
    if (!this.framing) {
      this.head = this.head ? Buffer.concat([this.head, data]) : data;
      for (;;) {
        const end = this.head.indexOf(HEAD_END);
        if ((end < 0 ? this.head.length : end) > this.pool.maxHeadBytes) return this.fail(new Error('the upstream response head is too large'));
        if (end < 0) {
          // The head continues in a later read, which reuses the read buffer: keep a copy.
          this.head = Buffer.from(this.head);
          return;
        }
        const parsed = this.parseHead(this.head.subarray(0, end).toString('latin1'));
        const rest = this.head.subarray(end + 4);
        if (!parsed) return this.fail(new Error('the upstream sent a malformed HTTP response'));
        if (parsed.status >= 100 && parsed.status < 200) {
          // Informational (100 Continue, 103 Early Hints): the real answer follows.
          this.head = rest;
          continue;
        }
        this.head = undefined;
        exchange.pending.handler.onResponseStart(exchange, parsed.status, parsed.headers);
        if (exchange.done) return;
        const framing = this.framing!;
        if (framing.kind === 'none' || (framing.kind === 'length' && framing.remaining === 0)) return this.complete(rest);
        data = rest;
        break;
      }
    }
    if (data.length) this.body(data);
  }

  private parseHead(text: string): { status: number; headers: Record<string, string> } | undefined {
    const head = parseResponseHead(text);
    if (!head) return undefined;
    const { status: code, minor, headers } = head;
    const connection = (headers.connection ?? '').toLowerCase();
    this.keepAlive = minor === 1 ? !connection.includes('close') : connection.includes('keep-alive');
    if (code < 200) return { status: code, headers };
    if (code === 204 || code === 304) this.framing = { kind: 'none' };
    else if ((headers['transfer-encoding'] ?? '').toLowerCase().includes('chunked')) this.framing = { kind: 'chunked', state: 'size', remaining: 0 };
    else if (headers['content-length'] !== undefined) {
      const length = Number(headers['content-length']);
      if (!Number.isSafeInteger(length) || length < 0) return undefined;
      this.framing = { kind: 'length', remaining: length };
    } else {
      // Delimited by the connection closing: not reusable.
      this.framing = { kind: 'close' };
      this.keepAlive = false;
    }
    return { status: code, headers };
  }

  private body(data: Buffer): void {
    const exchange = this.exchange!;
    const framing = this.framing!;
    const handler = exchange.pending.handler;
    if (framing.kind === 'close') return handler.onResponseData(exchange, data);
    if (framing.kind === 'length') {
      if (data.length > framing.remaining) return this.fail(new Error('the upstream sent more than its Content-Length'));
      framing.remaining -= data.length;
      handler.onResponseData(exchange, data);
      if (framing.remaining === 0 && !exchange.done) this.complete(Buffer.alloc(0));
      return;
    }
    if (framing.kind !== 'chunked') return;
    let at = 0;
    while (at < data.length && !exchange.done) {
      if (framing.state === 'data') {
        const take = Math.min(framing.remaining, data.length - at);
        handler.onResponseData(exchange, data.subarray(at, at + take));
        at += take;
        framing.remaining -= take;
        if (framing.remaining === 0) framing.state = 'data-end';
        continue;
      }
      // Size lines, the CRLF after each chunk and the trailers are read line by line. A line may
      // end in a later read, even between its CR and its LF: collect up to the LF, then drop the CR.
      const eol = data.indexOf(LF, at);
      const piece = data.subarray(at, eol < 0 ? data.length : eol).toString('latin1');
      if (eol < 0) {
        this.sizeLine += piece;
        if (this.sizeLine.length > 4096) this.fail(new Error('the upstream sent a malformed chunk'));
        return;
      }
      const full = this.sizeLine + piece;
      const line = full.endsWith('\r') ? full.slice(0, -1) : full;
      this.sizeLine = '';
      at = eol + 1;
      if (framing.state === 'data-end') {
        if (line !== '') return this.fail(new Error('the upstream sent a malformed chunk'));
        framing.state = 'size';
      } else if (framing.state === 'size') {
        const size = parseInt(line.split(';', 1)[0]!.trim(), 16);
        if (!Number.isFinite(size) || size < 0 || !/^[0-9a-fA-F]+/.test(line.trim())) return this.fail(new Error('the upstream sent a malformed chunk'));
        if (size === 0) framing.state = 'trailers';
        else {
          framing.state = 'data';
          framing.remaining = size;
        }
      } else if (line === '') {
        // The empty line after the (usually absent) trailers ends the message.
        return this.complete(data.subarray(at));
      }
    }
  }

  private complete(rest: Buffer): void {
    const exchange = this.exchange!;
    exchange.done = true;
    // Bytes after the response would be an answer to nothing (there is no pipelining): unusable.
    if (rest.length > 0 || !this.keepAlive) {
      this.destroy();
      exchange.pending.handler.onResponseEnd(exchange);
      return;
    }
    this.reused = true;
    this.pool.release(this);
    exchange.pending.handler.onResponseEnd(exchange);
  }

  private fail(err: Error): void {
    const exchange = this.exchange;
    const silent = !this.received;
    this.destroy();
    if (!exchange || exchange.done) return;
    exchange.done = true;
    // A kept-alive connection the server closed just as we reused it: nothing was answered, so the
    // request most likely never reached it. Send it once more on a fresh connection.
    if (silent && this.reused && !exchange.pending.retried) return this.pool.requeue({ ...exchange.pending, retried: true });
    exchange.pending.handler.onResponseError(exchange, err);
  }

  private onClose(): void {
    const exchange = this.exchange;
    if (exchange && !exchange.done && this.framing?.kind === 'close') {
      exchange.done = true;
      this.closed = true;
      this.pool.forget(this);
      exchange.pending.handler.onResponseEnd(exchange);
      return;
    }
    if (!this.closed) this.fail(Object.assign(new Error('the upstream closed the connection'), { code: 'ECONNRESET' }));
  }

  /** The request's deadline passed (no head, or no body data, for its timeout). */
  expire(now: number): void {
    const exchange = this.exchange;
    if (exchange && !exchange.done && exchange.deadline <= now) exchange.abort(timeoutError(exchange.pending.request.timeoutMs));
  }
}

export class Http1Pool {
  readonly host: string;
  readonly maxHeadBytes: number;
  readonly lookup: LookupFunction | undefined;
  /** Every connection's reads land here, one at a time; whoever keeps bytes copies them. */
  readonly readBuffer = Buffer.allocUnsafe(64 * 1024);
  private readonly hostname: string;
  private readonly port: number;
  private readonly maxConnections: number;
  private readonly idleTimeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly idleConnections: Connection[] = [];
  private readonly busy = new Set<Connection>();
  private readonly queue: Pending[] = [];
  private housekeeper: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(url: URL, options: Http1PoolOptions = {}) {
    if (url.protocol !== 'http:') throw new Error('Http1Pool serves plain http: URLs only');
    this.host = url.host;
    this.hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
    this.port = Number(url.port || 80);
    this.maxConnections = options.maxConnections ?? 256;
    this.idleTimeoutMs = options.idleTimeoutMs ?? 4_000;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    this.maxHeadBytes = options.maxHeadBytes ?? 64 * 1024;
    this.lookup = options.lookup;
  }

  dispatch(request: Http1Request, handler: ResponseHandler): void {
    if (this.closed) {
      handler.onResponseError({ abort: () => undefined }, new Error('the connection pool is closed'));
      return;
    }
    this.requeue({ request, handler, retried: false });
  }

  /** @internal a request to (re)start on the next free connection. */
  requeue(pending: Pending): void {
    if (this.closed) {
      pending.handler.onResponseError({ abort: () => undefined }, new Error('the connection pool is closed'));
      return;
    }
    let connection = this.idleConnections.pop();
    if (!connection && this.busy.size < this.maxConnections) connection = new Connection(this, this.hostname, this.port, this.connectTimeoutMs);
    if (!connection) {
      this.queue.push(pending);
      return;
    }
    this.busy.add(connection);
    connection.send(pending);
    this.housekeep();
  }

  /** @internal a connection finished its exchange and may serve the next. */
  release(connection: Connection): void {
    const next = this.queue.shift();
    if (next && !this.closed) {
      connection.send(next);
      return;
    }
    this.busy.delete(connection);
    if (this.closed) return connection.destroy();
    connection.idle();
    this.idleConnections.push(connection);
  }

  /** @internal a connection is gone. */
  forget(connection: Connection): void {
    if (this.busy.delete(connection)) {
      const next = this.queue.shift();
      if (next) this.requeue(next);
    }
    const i = this.idleConnections.indexOf(connection);
    if (i >= 0) this.idleConnections.splice(i, 1);
  }

  /**
   * One coarse timer runs while the pool has connections, instead of a timer per request or per
   * idle spell: it fails exchanges past their deadline and closes connections idle for longer than
   * the idle timeout. It ticks every 100 ms, or a quarter of the idle timeout if that is shorter.
   */
  private housekeep(): void {
    if (this.housekeeper) return;
    this.housekeeper = setInterval(
      () => {
        const now = Date.now();
        for (const connection of [...this.busy]) connection.expire(now);
        const cutoff = now - this.idleTimeoutMs;
        for (const connection of this.idleConnections.filter((c) => c.idleSince <= cutoff)) connection.destroy();
        if (this.busy.size === 0 && this.idleConnections.length === 0) {
          clearInterval(this.housekeeper);
          this.housekeeper = undefined;
        }
      },
      Math.min(100, Math.max(10, Math.floor(this.idleTimeoutMs / 4))),
    );
    this.housekeeper.unref();
  }

  close(): Promise<void> {
    this.closed = true;
    clearInterval(this.housekeeper);
    this.housekeeper = undefined;
    const closing = () => new Error('the connection pool is closed');
    for (const pending of this.queue.splice(0)) pending.handler.onResponseError({ abort: () => undefined }, closing());
    // Requests on a connection fail too (never retried: the pool is closed), and a body read to
    // the connection's close is not mistaken for a complete one.
    for (const connection of [...this.busy]) {
      if (connection.exchange && !connection.exchange.done) connection.exchange.abort(closing());
      else connection.destroy();
    }
    for (const connection of [...this.idleConnections]) connection.destroy();
    return Promise.resolve();
  }
}
