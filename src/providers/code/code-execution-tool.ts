/**
 * The `code_execution` tool (seed 004). Visible and callable only with the permission
 * `code:execute` — not `tools:call:*`, so the `user` and `ai_agent` roles do not get it by accident;
 * of the built-in roles only `admin` holds it. A failing program is an `isError` result carrying its
 * output, never a protocol error.
 */
import type { ToolEntry } from '../../core/catalog/entries.js';
import type { CallToolResult, JsonObject } from '../../core/catalog/mcp-shapes.js';
import type { CodeConfig } from '../../config/sections/code.js';
import { PorticoError } from '../../core/errors.js';
import type { Language, RunLimits, RunResult } from './run-result.js';

export const CODE_EXECUTION_TOOL = 'code_execution';
export const CODE_EXECUTE_PERMISSION = 'code:execute';

export type Runner = (code: string, limits: RunLimits, signal?: AbortSignal) => Promise<RunResult>;

function toToolResult(result: RunResult): CallToolResult {
  const parts = [`Language: ${result.language}`, `Status: ${result.ok ? 'ok' : (result.error ?? 'failed')}`, `Duration: ${result.durationMs} ms`];
  if (result.truncated) parts.push('Output truncated: yes');
  if (result.value !== undefined) parts.push('', 'Result:', JSON.stringify(result.value, null, 2) ?? 'undefined');
  if (result.stdout) parts.push('', 'stdout:', result.stdout);
  if (result.stderr) parts.push('', 'stderr:', result.stderr);
  return {
    content: [{ type: 'text', text: parts.join('\n') }],
    structuredContent: JSON.parse(JSON.stringify(result)) as JsonObject,
    ...(result.ok ? {} : { isError: true }),
  };
}

export function codeExecutionTool(config: CodeConfig, runners: Partial<Record<Language, Runner>>, source: string): ToolEntry {
  const languages = config.languages.filter((l) => runners[l]);
  const maxSeconds = config.timeoutMs / 1000;
  return {
    kind: 'tool',
    name: CODE_EXECUTION_TOOL,
    title: 'Run code in a sandbox',
    description:
      `Run a short program and return its output. Languages: ${languages.join(', ')}. ` +
      'JavaScript runs in QuickJS (no I/O; `console.log` prints; the last expression is the result). ' +
      'Python runs in an isolated subprocess (no network, empty environment, temporary working directory). ' +
      `Limits: ${maxSeconds} s, ${Math.round(config.memoryBytes / 1048576)} MiB, ${config.maxOutputBytes} bytes of output.`,
    inputSchema: {
      type: 'object',
      properties: {
        language: { type: 'string', enum: languages, default: languages[0], description: 'Programming language.' },
        code: { type: 'string', minLength: 1, maxLength: config.maxCodeBytes, description: 'The program.' },
        timeout: { type: 'number', exclusiveMinimum: 0, maximum: maxSeconds, description: `Time limit in seconds (at most ${maxSeconds}).` },
      },
      required: ['code'],
      additionalProperties: false,
    },
    annotations: { title: 'Run code in a sandbox', readOnlyHint: false, destructiveHint: false, openWorldHint: false },
    permission: CODE_EXECUTE_PERMISSION,
    timeoutMs: config.timeoutMs + 10_000,
    source,
    async handler(args, ctx) {
      const language = (args.language as Language | undefined) ?? languages[0]!;
      const runner = runners[language];
      if (!runner || !languages.includes(language)) throw new PorticoError('validation_failed', `Language ${language} is not enabled.`);
      const code = args.code as string;
      if (Buffer.byteLength(code) > config.maxCodeBytes) throw new PorticoError('validation_failed', `The program is larger than ${config.maxCodeBytes} bytes.`);
      const timeoutMs = typeof args.timeout === 'number' ? Math.max(1, Math.min(Math.round(args.timeout * 1000), config.timeoutMs)) : config.timeoutMs;
      const result = await runner(code, { timeoutMs, memoryBytes: config.memoryBytes, maxOutputBytes: config.maxOutputBytes }, ctx.signal);
      return toToolResult(result);
    },
  };
}
