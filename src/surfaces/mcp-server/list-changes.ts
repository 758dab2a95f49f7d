/**
 * From catalog changes to MCP `list_changed` notifications. The catalog has four lists; the
 * protocol has three (resource templates are announced as a resources list change), so a change
 * to resources and templates at once is one notification, not two.
 */
import type { Server, ServerNotifier } from '@modelcontextprotocol/server';
import type { ListKind } from '../../core/catalog/catalog.js';

export type ProtocolList = 'tools' | 'prompts' | 'resources';

export const PROTOCOL_LISTS: readonly ProtocolList[] = Object.freeze(['tools', 'prompts', 'resources']);

export function protocolListsOf(lists: readonly ListKind[]): Set<ProtocolList> {
  return new Set(lists.map((l) => (l === 'resourceTemplates' ? 'resources' : l)));
}

/** Tell one connected (legacy or stdio) server that a list changed. */
export function sendListChanged(server: Server, list: ProtocolList): Promise<void> {
  if (list === 'tools') return server.sendToolListChanged();
  if (list === 'prompts') return server.sendPromptListChanged();
  return server.sendResourceListChanged();
}

/** Tell every modern `subscriptions/listen` stream that a list changed. */
export function publishListChanged(notify: ServerNotifier, list: ProtocolList): void {
  if (list === 'tools') notify.toolsChanged();
  else if (list === 'prompts') notify.promptsChanged();
  else notify.resourcesChanged();
}
