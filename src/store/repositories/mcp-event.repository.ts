/**
 * Storage for legacy MCP stream events (resumability). Every query is scoped to one session, so a
 * Last-Event-ID from another session can never replay someone else's messages.
 */
import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../schema.js';

export interface StoredEvent {
  id: string;
  streamId: string;
  message: string;
}

export interface McpEventRepository {
  append(sessionId: string, streamId: string, seq: number, message: string): Promise<string>;
  /** The stream an event belongs to, within the session. */
  streamOf(sessionId: string, eventId: string): Promise<{ streamId: string; seq: number } | undefined>;
  /** Events on the stream after `seq`, oldest first. */
  after(sessionId: string, streamId: string, seq: number): Promise<StoredEvent[]>;
  /** Highest sequence number used in a session (to continue numbering after a restart). */
  lastSeq(sessionId: string): Promise<number>;
  deleteSession(sessionId: string): Promise<void>;
  deleteOlderThan(isoTime: string): Promise<number>;
}

export function createMcpEventRepository(db: Kysely<DatabaseSchema>): McpEventRepository {
  return {
    async append(sessionId, streamId, seq, message) {
      const id = `${sessionId}.${seq}`;
      await db.insertInto('mcp_events').values({ id, session_id: sessionId, stream_id: streamId, seq, message, created_at: new Date().toISOString() }).execute();
      return id;
    },
    async streamOf(sessionId, eventId) {
      const row = await db.selectFrom('mcp_events').select(['stream_id', 'seq']).where('id', '=', eventId).where('session_id', '=', sessionId).executeTakeFirst();
      return row ? { streamId: row.stream_id, seq: Number(row.seq) } : undefined;
    },
    async after(sessionId, streamId, seq) {
      const rows = await db
        .selectFrom('mcp_events')
        .select(['id', 'stream_id', 'message'])
        .where('session_id', '=', sessionId)
        .where('stream_id', '=', streamId)
        .where('seq', '>', seq)
        .orderBy('seq')
        .execute();
      return rows.map((r) => ({ id: r.id, streamId: r.stream_id, message: r.message }));
    },
    async lastSeq(sessionId) {
      const row = await db.selectFrom('mcp_events').select((eb) => eb.fn.max('seq').as('m')).where('session_id', '=', sessionId).executeTakeFirst();
      return Number(row?.m ?? 0);
    },
    async deleteSession(sessionId) {
      await db.deleteFrom('mcp_events').where('session_id', '=', sessionId).execute();
    },
    async deleteOlderThan(isoTime) {
      const result = await db.deleteFrom('mcp_events').where('created_at', '<', isoTime).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
