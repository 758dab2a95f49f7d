import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { createCatalog, type CatalogChange } from '../../../src/core/catalog/catalog.js';
import { createConformanceProvider } from '../../../src/providers/conformance/conformance-provider.js';
import { startFixture } from './fixture-harness.js';
import { catalogOnlyContext } from '../../helpers/provider-context.js';

/** Every name the conformance suite calls (digest §2 and §3.3), plus `echo` for benchmarks and the e2e helpers. */
const EXPECTED_TOOLS = [
  'test_simple_text',
  'test_image_content',
  'test_audio_content',
  'test_embedded_resource',
  'test_multiple_content_types',
  'test_tool_with_logging',
  'test_tool_with_progress',
  'test_error_handling',
  'test_sampling',
  'test_elicitation',
  'test_elicitation_sep1034_defaults',
  'test_elicitation_sep1330_enums',
  'json_schema_2020_12_tool',
  'test_reconnection',
  'test_missing_capability',
  'test_streaming_elicitation',
  'test_logging_tool',
  'test_trigger_tool_change',
  'test_trigger_prompt_change',
  'test_input_required_result_elicitation',
  'test_input_required_result_sampling',
  'test_input_required_result_list_roots',
  'test_input_required_result_request_state',
  'test_input_required_result_multiple_inputs',
  'test_input_required_result_multi_round',
  'test_input_required_result_tampered_state',
  'test_input_required_result_capabilities',
  'echo',
  'test_slow_operation',
  'test_touch_watched_resource',
];
const EXPECTED_RESOURCES = ['test://static-text', 'test://static-binary', 'test://watched-resource'];
const EXPECTED_PROMPTS = ['test_simple_prompt', 'test_prompt_with_arguments', 'test_prompt_with_embedded_resource', 'test_prompt_with_image', 'test_input_required_result_prompt'];

describe('conformance provider registration', () => {
  it('registers exactly the fixture surface the suite expects', async () => {
    const { pipeline, scope } = await startFixture();
    const s = scope();
    expect(pipeline.listTools(s).map((t) => t.name).sort()).toEqual([...EXPECTED_TOOLS].sort());
    expect(pipeline.listResources(s).map((r) => r.uri).sort()).toEqual([...EXPECTED_RESOURCES].sort());
    expect(pipeline.listResourceTemplates(s).map((t) => t.uriTemplate)).toEqual(['test://template/{id}/data']);
    expect(pipeline.listPrompts(s).map((p) => p.name).sort()).toEqual([...EXPECTED_PROMPTS].sort());
  });

  it('gives every entry a description and the provider as source', async () => {
    const { catalog, pipeline, scope } = await startFixture();
    const s = scope();
    const described = [...pipeline.listTools(s), ...pipeline.listResources(s), ...pipeline.listResourceTemplates(s), ...pipeline.listPrompts(s)];
    for (const d of described) expect(d.description, JSON.stringify(d)).toMatch(/\S/);
    const entries = [...catalog.tools(), ...catalog.resources(), ...catalog.templates(), ...catalog.prompts()].map((c) => c.entry);
    for (const e of entries) expect(e.source).toBe('conformance');
    expect(pipeline.listResources(s).every((r) => r.name.length > 0 && r.mimeType)).toBe(true);
  });

  it('lists tools in the same order every time', async () => {
    const { pipeline, scope } = await startFixture();
    expect(pipeline.listTools(scope()).map((t) => t.name)).toEqual(pipeline.listTools(scope()).map((t) => t.name));
  });

  it('publishes json_schema_2020_12_tool with its inputSchema exactly as the suite defines it', async () => {
    const { pipeline, scope } = await startFixture();
    const tool = pipeline.listTools(scope()).find((t) => t.name === 'json_schema_2020_12_tool');
    expect(tool?.description).toBe('Tool with JSON Schema 2020-12 features');
    expect(tool?.inputSchema).toStrictEqual({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      $defs: { address: { $anchor: 'addressDef', type: 'object', properties: { street: { type: 'string' }, city: { type: 'string' } } } },
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
    });
  });

  it('marks echo read-only and requires its message', async () => {
    const { pipeline, scope } = await startFixture();
    const echo = pipeline.listTools(scope()).find((t) => t.name === 'echo');
    expect(echo?.annotations?.readOnlyHint).toBe(true);
    expect(echo?.inputSchema).toMatchObject({ type: 'object', required: ['message'] });
  });

  it('adds everything in one change event, and removeSource takes it all away', async () => {
    const config = loadConfig({ env: {} });
    const catalog = createCatalog();
    const changes: CatalogChange[] = [];
    catalog.onChange((c) => changes.push(c));
    const provider = createConformanceProvider(config);
    expect(provider.name).toBe('conformance');
    await provider.start(catalogOnlyContext({ catalog, config, logger: pino({ level: 'silent' }) }));
    expect(changes).toHaveLength(1);
    expect([...changes[0]!.lists].sort()).toEqual(['prompts', 'resourceTemplates', 'resources', 'tools']);
    const total = catalog.tools().length + catalog.resources().length + catalog.templates().length + catalog.prompts().length;
    expect(catalog.removeSource('conformance')).toBe(total);
    expect(catalog.tools()).toHaveLength(0);
  });
});
