/**
 * The SDK's EventStore for one legacy session, kept in the database so a client whose stream dropped
 * can resume with Last-Event-ID (also after this node restarts). Scoped to its session by
 * construction: replay never crosses sessions.
 */
import type { EventStore, JSONRPCMessage } from '@modelcontextprotocol/server';
import type { McpEventRepository } from '../../store/repositories/mcp-event.repository.js';

export function createSessionEventStore(repo: McpEventRepository, sessionId: () => string | undefined): EventStore {
  let seq = 0;
  let seeded = false;
  const session = () => sessionId() ?? 'pending';
  return {
    async storeEvent(streamId, message) {
      if (!seeded) {
        seq = await repo.lastSeq(session());
        seeded = true;
      }
      seq += 1;
      return repo.append(session(), streamId, seq, JSON.stringify(message));
    },
    async getStreamIdForEventId(eventId) {
      return (await repo.streamOf(session(), eventId))?.streamId;
    },
    async replayEventsAfter(lastEventId, { send }) {
      const origin = await repo.streamOf(session(), lastEventId);
      if (!origin) throw new Error('unknown event id');
      for (const event of await repo.after(session(), origin.streamId, origin.seq)) {
        await send(event.id, JSON.parse(event.message) as JSONRPCMessage);
      }
      return origin.streamId;
    },
  };
}
