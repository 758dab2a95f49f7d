/**
 * Resources and the resource template the suite reads. Contents are fixed strings so the checks
 * can compare them; every entry carries a description because lists are shown to people too.
 */
import type { ResourceEntry, ResourceTemplateEntry } from '../../core/catalog/entries.js';
import { FIXTURE_SOURCE } from './fixture-kit.js';
import { PNG_1X1_BASE64, PNG_MIME } from './media.js';

export const TEMPLATE_URI = 'test://template/{id}/data';

export function fixtureResources(): ResourceEntry[] {
  const text = (uri: string, name: string, description: string, body: string): ResourceEntry => ({
    kind: 'resource',
    source: FIXTURE_SOURCE,
    uri,
    name,
    description,
    mimeType: 'text/plain',
    read: () => ({ contents: [{ uri, mimeType: 'text/plain', text: body }] }),
  });
  return [
    text('test://static-text', 'Static Text Resource', 'A fixed text resource for testing reads.', 'This is the content of the static text resource.'),
    {
      kind: 'resource',
      source: FIXTURE_SOURCE,
      uri: 'test://static-binary',
      name: 'Static Binary Resource',
      description: 'A fixed binary resource (a 1x1 PNG) for testing blob reads.',
      mimeType: PNG_MIME,
      read: () => ({ contents: [{ uri: 'test://static-binary', mimeType: PNG_MIME, blob: PNG_1X1_BASE64 }] }),
    },
    text('test://watched-resource', 'Watched Resource', 'A resource clients can subscribe to for update notifications.', 'Watched resource content'),
  ];
}

export function fixtureTemplates(): ResourceTemplateEntry[] {
  return [
    {
      kind: 'resourceTemplate',
      source: FIXTURE_SOURCE,
      uriTemplate: TEMPLATE_URI,
      name: 'Template Resource',
      description: 'JSON data for any id, to test template substitution.',
      mimeType: 'application/json',
      read(uri, variables) {
        // A simple `{id}` expression matches one value; join defensively should a list ever arrive.
        const raw = variables.id ?? '';
        const id = Array.isArray(raw) ? raw.join(',') : raw;
        return { contents: [{ uri, mimeType: 'application/json', text: JSON.stringify({ id, templateTest: true, data: `Data for ID: ${id}` }) }] };
      },
    },
  ];
}
