/**
 * Tools that return fixed content of every MCP content type, plus the deliberate-error tool, the
 * JSON Schema 2020-12 showcase and `echo`. They have no side effects and no interaction, so they
 * are also what benchmarks and smoke tests call.
 */
import type { ToolEntry } from '../../core/catalog/entries.js';
import type { JsonObject } from '../../core/catalog/mcp-shapes.js';
import { FIXTURE_SOURCE, noArguments, textResult } from './fixture-kit.js';
import { PNG_1X1_BASE64, PNG_MIME, WAV_MIME, WAV_TONE_BASE64 } from './media.js';

const READ_ONLY = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false } as const;

/**
 * The suite's `json-schema-2020-12` scenario compares this schema keyword by keyword with what
 * tools/list returns, so it must stay exactly as the suite defines it.
 */
const JSON_SCHEMA_2020_12_INPUT: JsonObject = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  $defs: {
    address: {
      $anchor: 'addressDef',
      type: 'object',
      properties: { street: { type: 'string' }, city: { type: 'string' } },
    },
  },
  properties: {
    name: { type: 'string' },
    address: { $ref: '#/$defs/address' },
    contactMethod: { type: 'string', enum: ['phone', 'email'] },
    phone: { type: 'string' },
    email: { type: 'string' },
  },
  allOf: [{ anyOf: [{ required: ['phone'] }, { required: ['email'] }] }],
  if: { properties: { contactMethod: { const: 'phone' } }, required: ['contactMethod'] },
  then: { required: ['phone'] },
  else: { required: ['email'] },
  additionalProperties: false,
};

export function contentTools(): ToolEntry[] {
  const tool = (entry: Omit<ToolEntry, 'kind' | 'source'>): ToolEntry => ({ kind: 'tool', source: FIXTURE_SOURCE, annotations: READ_ONLY, ...entry });
  return [
    tool({
      name: 'test_simple_text',
      description: 'Returns a single text content block.',
      inputSchema: noArguments(),
      handler: () => textResult('This is a simple text response for testing.'),
    }),
    tool({
      name: 'test_image_content',
      description: 'Returns a single image content block (a 1x1 PNG).',
      inputSchema: noArguments(),
      handler: () => ({ content: [{ type: 'image', data: PNG_1X1_BASE64, mimeType: PNG_MIME }] }),
    }),
    tool({
      name: 'test_audio_content',
      description: 'Returns a single audio content block (a short WAV tone).',
      inputSchema: noArguments(),
      handler: () => ({ content: [{ type: 'audio', data: WAV_TONE_BASE64, mimeType: WAV_MIME }] }),
    }),
    tool({
      name: 'test_embedded_resource',
      description: 'Returns an embedded text resource.',
      inputSchema: noArguments(),
      handler: () => ({
        content: [{ type: 'resource', resource: { uri: 'test://embedded-resource', mimeType: 'text/plain', text: 'This is an embedded resource content.' } }],
      }),
    }),
    tool({
      name: 'test_multiple_content_types',
      description: 'Returns text, image and embedded resource content in one result.',
      inputSchema: noArguments(),
      handler: () => ({
        content: [
          { type: 'text', text: 'Multiple content types test:' },
          { type: 'image', data: PNG_1X1_BASE64, mimeType: PNG_MIME },
          { type: 'resource', resource: { uri: 'test://mixed-content-resource', mimeType: 'application/json', text: JSON.stringify({ test: 'data', value: 123 }) } },
        ],
      }),
    }),
    tool({
      name: 'test_error_handling',
      description: 'Always fails the way tools should: an isError result, not a protocol error.',
      inputSchema: noArguments(),
      handler: () => ({ isError: true, content: [{ type: 'text', text: 'This tool intentionally returns an error for testing' }] }),
    }),
    tool({
      name: 'json_schema_2020_12_tool',
      description: 'Tool with JSON Schema 2020-12 features',
      inputSchema: JSON_SCHEMA_2020_12_INPUT,
      handler: (args) => textResult(`JSON Schema 2020-12 arguments accepted: ${JSON.stringify(args)}`),
    }),
    tool({
      name: 'echo',
      description: 'Echoes the message back as text. The cheapest possible tool call, used by benchmarks.',
      inputSchema: { type: 'object', properties: { message: { type: 'string', description: 'Text to echo back.' } }, required: ['message'] },
      handler: (args) => textResult(args.message as string),
    }),
  ];
}
