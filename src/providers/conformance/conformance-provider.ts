/**
 * The MCP conformance-suite fixture: every tool, resource, template and prompt the official suite
 * (`@modelcontextprotocol/conformance`) calls, for both the 2025-11-25 and 2026-07-28 revisions,
 * plus `echo` for benchmarks and a few tools Portico's end-to-end tests drive (slow call, resource touch). Testing only: the composition root registers it when
 * `mcp.conformanceFixture` is set.
 */
import type { FrozenConfig } from '../../config/schema.js';
import type { Provider } from '../provider.js';
import { contentTools } from './content-tools.js';
import { diagnosticTools } from './diagnostic-tools.js';
import { e2eTools } from './e2e-tools.js';
import { FIXTURE_SOURCE } from './fixture-kit.js';
import { inputRequiredTools } from './input-required-tools.js';
import { interactionTools } from './interaction-tools.js';
import { listChangeTools } from './list-change-tools.js';
import { fixturePrompts } from './prompts.js';
import { fixtureResources, fixtureTemplates } from './resources.js';

/** The fixture needs no settings; it takes the config only to follow the provider factory convention. */
export function createConformanceProvider(_config: FrozenConfig): Provider {
  return {
    name: FIXTURE_SOURCE,
    start({ catalog }) {
      // One add call: one change event, and a bad entry leaves the catalog untouched.
      catalog.add([
        ...contentTools(),
        ...interactionTools(),
        ...inputRequiredTools(),
        ...diagnosticTools(),
        ...listChangeTools(catalog),
        ...e2eTools(catalog),
        ...fixtureResources(),
        ...fixtureTemplates(),
        ...fixturePrompts(),
      ]);
    },
  };
}
