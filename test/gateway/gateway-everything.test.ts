/**
 * The published reference server `@modelcontextprotocol/server-everything` as a stdio upstream:
 * federated names, faithful results, prompts, resources, and real SDK clients in both eras on the
 * front door.
 */
import { StreamableHTTPClientTransport, type Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server.js';
import { CLIENT_ANSWERS, answeringClient, firstText, type AnsweringClient, type Era } from '../helpers/mcp-clients.js';
import { startTestServer } from '../helpers/test-server.js';
import { everythingStdio } from '../helpers/upstreams.js';

let server: RunningServer;

beforeAll(async () => {
  server = await startTestServer({ PORTICO_AUTH__DISABLED: 'true' });
  const status = await server.services.gateway!.connect(everythingStdio());
  expect(status.health).toBe('connected');
}, 60_000);

let answered: AnsweringClient['answered'] = [];

async function connect(era: Era): Promise<Client> {
  const answering = answeringClient(era, `gateway-${era}`);
  answered = answering.answered;
  await answering.client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`)));
  return answering.client;
}

describe.each(['legacy', 'modern'] as const)('server-everything through the gateway (%s client)', (era) => {
  let client: Client;
  beforeAll(async () => {
    client = await connect(era);
  });
  afterAll(async () => {
    await client?.close();
  });

  it('lists the upstream tools under its namespace', async () => {
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name);
    expect(names).toContain('everything_echo');
    expect(names).toContain('everything_get-sum');
    expect(names.every((n) => n.startsWith('everything_'))).toBe(true);
  });

  it('relays a call and its result unchanged', async () => {
    const result = await client.callTool({ name: 'everything_echo', arguments: { message: 'hi there' } });
    expect(result.content).toEqual([{ type: 'text', text: 'Echo: hi there' }]);
    const sum = await client.callTool({ name: 'everything_get-sum', arguments: { a: 2, b: 3 } });
    expect(JSON.stringify(sum.content)).toContain('5');
  });

  it('relays structuredContent', async () => {
    const result = await client.callTool({ name: 'everything_get-structured-content', arguments: { location: 'New York' } });
    expect(result.structuredContent).toMatchObject({ temperature: expect.any(Number) });
  });

  it('relays images', async () => {
    const result = await client.callTool({ name: 'everything_get-tiny-image', arguments: {} });
    expect((result.content as { type: string }[]).some((c) => c.type === 'image')).toBe(true);
  });

  it('lists and reads upstream resources by their own URIs', async () => {
    const { resources } = await client.listResources();
    expect(resources.length).toBeGreaterThan(0);
    const first = resources[0]!;
    const read = await client.readResource({ uri: first.uri });
    expect(read.contents[0]!.uri).toBe(first.uri);
  });

  it('relays the upstream’s sampling request to the calling client and its answer back', async () => {
    const result = await client.callTool({ name: 'everything_trigger-sampling-request', arguments: { prompt: 'the sky', maxTokens: 20 } });
    expect(result.isError).toBeFalsy();
    expect(firstText(result)).toContain(`${CLIENT_ANSWERS.sampledPrefix} Resource trigger-sampling-request context: the sky`);
    expect(answered.some((a) => a.method === 'sampling/createMessage')).toBe(true);
  });

  it('relays the upstream’s elicitation to the calling client and its answer back', async () => {
    const result = await client.callTool({ name: 'everything_trigger-elicitation-request', arguments: {} });
    expect(result.isError).toBeFalsy();
    expect(JSON.stringify(result.content)).toContain('accept');
    expect(answered.some((a) => a.method === 'elicitation/create')).toBe(true);
  });

  it('answers the upstream’s roots/list with no roots for a caller without the roots capability', async () => {
    const result = await client.callTool({ name: 'everything_get-roots-list', arguments: {} });
    expect(result.isError).toBeFalsy();
    expect(answered.some((a) => a.method === 'roots/list')).toBe(false);
  });

  it('relays progress of a long operation', async () => {
    const updates: number[] = [];
    const result = await client.callTool({ name: 'everything_trigger-long-running-operation', arguments: { duration: 1, steps: 3 } }, { onprogress: (p) => updates.push(p.progress) });
    expect(result.isError).toBeFalsy();
    expect(updates.length).toBeGreaterThanOrEqual(2);
  });

  it('lists and gets prompts under the namespace', async () => {
    const { prompts } = await client.listPrompts();
    const simple = prompts.find((p) => p.name === 'everything_simple-prompt');
    expect(simple).toBeDefined();
    const got = await client.getPrompt({ name: 'everything_simple-prompt' });
    expect(got.messages.length).toBeGreaterThan(0);
  });
});
