/**
 * Tools that change the catalog so the suite can watch list_changed notifications arrive.
 * Each call toggles a dynamic entry (adds it if absent, removes it if present): every call is a
 * real change, and repeated runs never pile up entries.
 */
import type { Catalog } from '../../core/catalog/catalog.js';
import type { PromptEntry, ToolEntry } from '../../core/catalog/entries.js';
import { FIXTURE_SOURCE, noArguments, textResult } from './fixture-kit.js';

export const DYNAMIC_TOOL = 'test_dynamic_tool';
export const DYNAMIC_PROMPT = 'test_dynamic_prompt';

const dynamicTool = (): ToolEntry => ({
  kind: 'tool',
  source: FIXTURE_SOURCE,
  name: DYNAMIC_TOOL,
  description: 'Appears and disappears each time test_trigger_tool_change is called.',
  inputSchema: noArguments(),
  handler: () => textResult('This tool was added at run time.'),
});

const dynamicPrompt = (): PromptEntry => ({
  kind: 'prompt',
  source: FIXTURE_SOURCE,
  name: DYNAMIC_PROMPT,
  description: 'Appears and disappears each time test_trigger_prompt_change is called.',
  get: () => ({ messages: [{ role: 'user', content: { type: 'text', text: 'This prompt was added at run time.' } }] }),
});

/** Add the entry if missing, remove it if present; returns what happened. */
function toggle(catalog: Catalog, kind: 'tool' | 'prompt', name: string, build: () => ToolEntry | PromptEntry): 'added' | 'removed' {
  if (catalog.remove(kind, name)) return 'removed';
  catalog.add(build());
  return 'added';
}

export function listChangeTools(catalog: Catalog): ToolEntry[] {
  return [
    {
      kind: 'tool',
      source: FIXTURE_SOURCE,
      name: 'test_trigger_tool_change',
      description: `Changes the tool list (toggles ${DYNAMIC_TOOL}) so tools list_changed notifications fire.`,
      inputSchema: noArguments(),
      handler: () => textResult(`Tool list changed: ${DYNAMIC_TOOL} ${toggle(catalog, 'tool', DYNAMIC_TOOL, dynamicTool)}.`),
    },
    {
      kind: 'tool',
      source: FIXTURE_SOURCE,
      name: 'test_trigger_prompt_change',
      description: `Changes the prompt list (toggles ${DYNAMIC_PROMPT}) so prompts list_changed notifications fire.`,
      inputSchema: noArguments(),
      handler: () => textResult(`Prompt list changed: ${DYNAMIC_PROMPT} ${toggle(catalog, 'prompt', DYNAMIC_PROMPT, dynamicPrompt)}.`),
    },
  ];
}
