/**
 * One end-to-end suite run with a real SDK client against every MCP surface Portico has (Streamable
 * HTTP in both eras, legacy HTTP+SSE, stdio in both eras). Each `*.test.ts` file supplies how to
 * connect; the expectations are the same everywhere, except where the eras differ by design
 * (subscriptions: `resources/subscribe` vs `subscriptions/listen`).
 *
 * The server must run with the conformance fixture (`--conformance-fixture`).
 */
import { ProtocolError, SdkError, type Client, type Transport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Json } from '../helpers/http.js';
import { CLIENT_ANSWERS, NotificationRecorder, eventually, firstText, firstTextOrUndefined, tapIncoming, type AnsweringClient, type Era } from '../helpers/mcp-clients.js';

export const WATCHED = 'test://watched-resource';

export interface ConnectedClient extends AnsweringClient {
  transport: Transport;
}

export interface ClientSuiteTarget {
  era: Era;
  /** The protocol revision the connection must settle on. */
  revision: string;
  /** Build and connect a client (called once, in beforeAll). */
  connect(): Promise<ConnectedClient>;
  /**
   * `portico_calls_total` for an action and outcome, where the server exposes /metrics (HTTP); lets
   * the cancellation test check that the server itself saw the call end as cancelled.
   */
  callCount?(action: string, outcome: string): Promise<number>;
  /** Extra checks after the suite, while the client is still connected (e.g. stderr hygiene). */
  afterChecks?(): void | Promise<void>;
}

/**
 * Client-side "unknown token" reports that are not server faults: the SDK's progress-after-response
 * race (see the progress test; wire order is asserted there), and a tick of the cancelled 30 s call
 * that was already on the wire when the client dropped its progress handler (the cancellation test
 * asserts that the ticks stop).
 */
const HARMLESS_CLIENT_ERRORS =
  /^Received a progress notification for an unknown token: .*("progress":100,"total":100,"message":"Completed step 3 of 3"|"total":30000,"message":"\d+ of 30000 ms")/;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Await a promise that must reject, and return what it rejected with. */
async function rejectionOf(promise: Promise<unknown>): Promise<Json> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

export function describeClientSuite(title: string, target: ClientSuiteTarget): void {
  describe(title, () => {
    let connected: ConnectedClient;
    let client: Client;
    let notifications: NotificationRecorder;
    let tap: ReturnType<typeof tapIncoming>;
    const clientErrors: Error[] = [];

    beforeAll(async () => {
      connected = await target.connect();
      client = connected.client;
      client.onerror = (err) => clientErrors.push(err);
      notifications = new NotificationRecorder(client);
      tap = tapIncoming(connected.transport);
    });

    afterAll(async () => {
      await client?.close();
    });

    it(`connects in the ${target.era} era (${target.revision})`, () => {
      expect(client.getProtocolEra()).toBe(target.era);
      expect(client.getNegotiatedProtocolVersion()).toBe(target.revision);
      expect(client.getServerVersion()?.name).toBe('portico');
      const caps = client.getServerCapabilities();
      expect(caps?.tools).toBeDefined();
      expect(caps?.resources?.subscribe).toBe(true);
      expect(caps?.prompts).toBeDefined();
    });

    it('lists the fixture tools, resources, templates and prompts', async () => {
      const { tools } = await client.listTools();
      const names = tools.map((t) => t.name);
      for (const name of ['echo', 'test_tool_with_progress', 'test_slow_operation', 'test_sampling', 'test_elicitation', 'test_touch_watched_resource', 'test_trigger_tool_change']) {
        expect(names).toContain(name);
      }
      const echo = tools.find((t) => t.name === 'echo')!;
      expect(echo.inputSchema.required).toEqual(['message']);
      expect(echo.description).toMatch(/echo/i);

      const { resources } = await client.listResources();
      expect(resources.map((r) => r.uri)).toEqual(expect.arrayContaining(['test://static-text', 'test://static-binary', WATCHED]));
      expect(resources.find((r) => r.uri === 'test://static-text')?.mimeType).toBe('text/plain');

      const { resourceTemplates } = await client.listResourceTemplates();
      expect(resourceTemplates.map((t) => t.uriTemplate)).toContain('test://template/{id}/data');

      const { prompts } = await client.listPrompts();
      const withArgs = prompts.find((p) => p.name === 'test_prompt_with_arguments');
      expect(withArgs?.arguments?.map((a) => [a.name, a.required])).toEqual([
        ['arg1', true],
        ['arg2', true],
      ]);
      expect(prompts.map((p) => p.name)).toContain('test_simple_prompt');
    });

    it('calls echo and gets the text back', async () => {
      const message = `hello over ${title} ✓`;
      const result = await client.callTool({ name: 'echo', arguments: { message } });
      expect(result.isError).toBeFalsy();
      expect(result.content).toEqual([{ type: 'text', text: message }]);
    });

    it('reports invalid arguments as an isError result that names the problem', async () => {
      const wrongType = await client.callTool({ name: 'echo', arguments: { message: 42 } });
      expect(wrongType.isError).toBe(true);
      expect(firstText(wrongType)).toMatch(/^Invalid arguments for tool echo: .*message/);

      const missing = await client.callTool({ name: 'echo', arguments: {} });
      expect(missing.isError).toBe(true);
      expect(firstText(missing)).toMatch(/Invalid arguments for tool echo: .*message/);
    });

    it('answers an unknown tool with a protocol error', async () => {
      const err = await rejectionOf(client.callTool({ name: 'no_such_tool', arguments: {} }));
      expect(err).toBeInstanceOf(ProtocolError);
      expect(err.code).toBe(-32602);
      expect(err.message).toContain('Unknown tool: no_such_tool');
    });

    it('delivers progress notifications in increasing order', async () => {
      const steps: { progress: number; total?: number; message?: string }[] = [];
      const wireStart = tap.messages.length;
      const result = await client.callTool({ name: 'test_tool_with_progress', arguments: {} }, { onprogress: (p) => steps.push(p) });
      expect(firstText(result)).toBe('Tool with progress executed successfully');

      // On the wire: 0, 50, 100 of 100 for this request's token, all before its response.
      const wire = tap.messages.slice(wireStart);
      const responseAt = wire.findIndex((m: Json) => m.result !== undefined && firstTextOrUndefined(m.result) === 'Tool with progress executed successfully');
      expect(responseAt).toBeGreaterThan(0);
      const token = wire[responseAt].id;
      const progressed = wire.flatMap((m: Json, i: number) => (m.method === 'notifications/progress' && m.params.progressToken === token ? [{ i, ...m.params }] : []));
      expect(progressed.map((p: Json) => [p.progress, p.total])).toEqual([
        [0, 100],
        [50, 100],
        [100, 100],
      ]);
      expect(progressed.every((p: Json) => p.i < responseAt)).toBe(true);
      expect(progressed[2].message).toBe('Completed step 3 of 3');

      // Through the client's onprogress: increasing values. The SDK client dispatches progress a
      // microtask later than responses, so when the last notification and the response arrive in
      // one chunk (SSE, stdio) it drops the last step and reports "unknown token" (an SDK race).
      expect(steps.map((s) => s.progress)).toEqual([0, 50, 100].slice(0, steps.length));
      expect(steps.length).toBeGreaterThanOrEqual(2);
      expect(steps.every((s) => s.total === 100)).toBe(true);

      const ticks: number[] = [];
      const slow = await client.callTool(
        { name: 'test_slow_operation', arguments: { seconds: 0.5 } },
        { onprogress: (p) => ticks.push(p.progress), resetTimeoutOnProgress: true },
      );
      expect(firstText(slow)).toBe('Finished after 500 ms.');
      expect(ticks.length).toBeGreaterThanOrEqual(3);
      expect(ticks[0]).toBe(0);
      for (let i = 1; i < ticks.length; i++) expect(ticks[i]!).toBeGreaterThan(ticks[i - 1]!);
    });

    it('reads a resource and a template-expanded resource', async () => {
      const fixed = await client.readResource({ uri: 'test://static-text' });
      expect(fixed.contents).toEqual([{ uri: 'test://static-text', mimeType: 'text/plain', text: 'This is the content of the static text resource.' }]);

      const expanded = await client.readResource({ uri: 'test://template/42/data' });
      expect(expanded.contents).toHaveLength(1);
      const content = expanded.contents[0] as Json;
      expect(content.uri).toBe('test://template/42/data');
      expect(content.mimeType).toBe('application/json');
      expect(JSON.parse(content.text)).toEqual({ id: '42', templateTest: true, data: 'Data for ID: 42' });

      const missing = await rejectionOf(client.readResource({ uri: 'test://no-such-resource' }));
      expect(missing).toBeInstanceOf(ProtocolError);
      expect(missing.message).toContain('Resource not found: test://no-such-resource');
    });

    it('renders a prompt with arguments and rejects a missing required argument', async () => {
      const prompt = await client.getPrompt({ name: 'test_prompt_with_arguments', arguments: { arg1: 'alpha', arg2: 'beta' } });
      expect(prompt.messages).toEqual([{ role: 'user', content: { type: 'text', text: "Prompt with arguments: arg1='alpha', arg2='beta'" } }]);

      const err = await rejectionOf(client.getPrompt({ name: 'test_prompt_with_arguments', arguments: { arg1: 'alpha' } }));
      expect(err).toBeInstanceOf(ProtocolError);
      expect(err.code).toBe(-32602);
      expect(err.message).toContain('missing required argument: arg2');
    });

    it("round-trips sampling and elicitation through the client's handlers", async () => {
      const before = connected.answered.length;
      const sampled = await client.callTool({ name: 'test_sampling', arguments: { prompt: 'What is 2+2?' } });
      expect(sampled.isError).toBeFalsy();
      expect(firstText(sampled)).toBe(`LLM response: ${CLIENT_ANSWERS.sampledPrefix} What is 2+2?`);
      const asked = connected.answered.slice(before);
      expect(asked.map((a) => a.method)).toEqual(['sampling/createMessage']);
      expect(asked[0]!.params.maxTokens).toBe(100);

      const elicited = await client.callTool({ name: 'test_elicitation', arguments: { message: 'Who are you?' } });
      expect(elicited.isError).toBeFalsy();
      expect(firstText(elicited)).toBe(`User response: action=accept, content=${JSON.stringify(CLIENT_ANSWERS.elicited)}`);
      const form = connected.answered.at(-1)!;
      expect(form.method).toBe('elicitation/create');
      expect(form.params.message).toBe('Who are you?');
      expect(form.params.requestedSchema.required).toEqual(['username', 'email']);
    });

    if (target.era === 'legacy') {
      it('subscribes to a resource and receives resources/updated, and stops after unsubscribing', async () => {
        await expect(client.listen({ toolsListChanged: true })).rejects.toBeInstanceOf(SdkError);
        await client.subscribeResource({ uri: WATCHED });
        const updated = notifications.next('notifications/resources/updated', (n) => n.params.uri === WATCHED);
        const touched = await client.callTool({ name: 'test_touch_watched_resource', arguments: {} });
        expect(firstText(touched)).toBe(`${WATCHED} updated.`);
        expect((await updated).params).toEqual({ uri: WATCHED });

        await client.unsubscribeResource({ uri: WATCHED });
        const seen = notifications.count('notifications/resources/updated');
        await client.callTool({ name: 'test_touch_watched_resource', arguments: {} });
        await sleep(300);
        expect(notifications.count('notifications/resources/updated')).toBe(seen);
      });

      it('receives tools/list_changed when the catalog changes', async () => {
        await assertToolListChange(client, notifications);
      });
    } else {
      // Modern clients subscribe on their listen stream; every surface must forward updates there.
      it('listens for resource updates on a subscriptions/listen stream', async () => {
        await expect(client.subscribeResource({ uri: WATCHED })).rejects.toBeInstanceOf(SdkError);
        const subscription = await client.listen({ resourceSubscriptions: [WATCHED] });
        try {
          expect(subscription.honoredFilter.resourceSubscriptions).toEqual([WATCHED]);
          const updated = notifications.next('notifications/resources/updated', (n) => n.params.uri === WATCHED, 3_000);
          const touched = await client.callTool({ name: 'test_touch_watched_resource', arguments: {} });
          expect(firstText(touched)).toBe(`${WATCHED} updated.`);
          // Modern notifications also carry the subscription id in _meta.
          expect((await updated).params.uri).toBe(WATCHED);
        } finally {
          await subscription.close();
        }
        await expect(subscription.closed).resolves.toBe('local');
      });

      it('listens for tools list_changed on a subscriptions/listen stream', async () => {
        const subscription = await client.listen({ toolsListChanged: true });
        try {
          expect(subscription.honoredFilter.toolsListChanged).toBe(true);
          await assertToolListChange(client, notifications);
        } finally {
          await subscription.close();
        }
        await expect(subscription.closed).resolves.toBe('local');
      });
    }

    it('cancels a long call quickly, the handler stops, and the server keeps serving', async () => {
      const cancelledBefore = await target.callCount?.('tools/call', 'cancelled');
      const controller = new AbortController();
      const ticks: number[] = [];
      const started = Date.now();
      const call = client.callTool({ name: 'test_slow_operation', arguments: { seconds: 30 } }, { signal: controller.signal, onprogress: (p) => ticks.push(p.progress) });
      const abortTimer = setTimeout(() => controller.abort(new Error('cancelled by the e2e test')), 300);
      const err = await rejectionOf(call);
      clearTimeout(abortTimer);
      const elapsed = Date.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(250);
      expect(elapsed).toBeLessThan(3_000);
      expect(err).toBeInstanceOf(SdkError);
      // It was really running (ticks every 100 ms) before it was cancelled.
      expect(ticks.length).toBeGreaterThanOrEqual(1);

      // Server side, the handler stopped: no more progress on the wire (it ticks every 100 ms)…
      await sleep(300);
      const progressSeen = tap.count('notifications/progress');
      expect(progressSeen).toBeGreaterThan(0);
      await sleep(600);
      expect(tap.count('notifications/progress')).toBe(progressSeen);
      // …and, where metrics are visible, the pipeline recorded the call as cancelled.
      if (target.callCount && cancelledBefore !== undefined) {
        await eventually(
          () => target.callCount!('tools/call', 'cancelled'),
          (n) => n === cancelledBefore + 1,
        );
      }

      const after = await client.callTool({ name: 'echo', arguments: { message: 'still here' } });
      expect(firstText(after)).toBe('still here');
    });

    it('saw no transport or protocol errors on the client', async () => {
      await target.afterChecks?.();
      expect(clientErrors.map((e) => e.message).filter((m) => !HARMLESS_CLIENT_ERRORS.test(m))).toEqual([]);
    });
  });
}

/** Toggle the dynamic tool and expect a tools/list_changed notification and a changed list. */
async function assertToolListChange(client: Client, notifications: NotificationRecorder): Promise<void> {
  const present = (await client.listTools()).tools.some((t) => t.name === 'test_dynamic_tool');
  const changed = notifications.next('notifications/tools/list_changed');
  const result = await client.callTool({ name: 'test_trigger_tool_change', arguments: {} });
  expect(firstText(result)).toBe(`Tool list changed: test_dynamic_tool ${present ? 'removed' : 'added'}.`);
  await changed;
  const now = (await client.listTools()).tools.some((t) => t.name === 'test_dynamic_tool');
  expect(now).toBe(!present);
}
