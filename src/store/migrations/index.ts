/**
 * Every migration, in order. Names sort lexically; never rename or edit one that has shipped —
 * add a new one. (0007 was reserved for demo data, which became a seeding step instead.) Each must be idempotent (IF NOT EXISTS and friends) so a half-recorded run heals.
 */
import type { Migration } from 'kysely';
import * as m0001 from './0001-settings.js';
import * as m0002 from './0002-mcp-events.js';
import * as m0003 from './0003-identity.js';
import * as m0004 from './0004-audit.js';
import * as m0005 from './0005-oauth.js';
import * as m0006 from './0006-blobs.js';
import * as m0008 from './0008-prompts.js';
import * as m0009 from './0009-jobs.js';
import * as m0010 from './0010-ai.js';
import * as m0011 from './0011-upstreams.js';
import * as m0012 from './0012-api-resources.js';

export const migrations: Readonly<Record<string, Migration>> = {
  '0001-settings': m0001,
  '0002-mcp-events': m0002,
  '0003-identity': m0003,
  '0004-audit': m0004,
  '0005-oauth': m0005,
  '0006-blobs': m0006,
  '0008-prompts': m0008,
  '0009-jobs': m0009,
  '0010-ai': m0010,
  '0011-upstreams': m0011,
  '0012-api-resources': m0012,
};
