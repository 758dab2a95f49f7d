/**
 * A background generation survives a restart of the server and its worker loop: the first server
 * is shut down while the model is still answering, so it releases the job; a second server on the
 * same database picks it up and completes it. On SQLite and on PostgreSQL.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { activeDialects } from '../../../helpers/dialects.js';
import { eventually } from '../../../helpers/mcp-clients.js';
import { startModelApiFake } from '../../../helpers/model-api-fakes.js';
import { tempDir } from '../../../helpers/temp-dir.js';
import { dropPostgresSchemas } from '../../../helpers/dialects.js';
import { startGenerationServer } from './generation-kit.js';

const fake = await startModelApiFake();

describe.each(activeDialects)('background generation across a restart [%s]', (dialect) => {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  afterAll(async () => {
    if (dialect === 'postgres') await dropPostgresSchemas(schema);
  });

  const dataDir = tempDir();
  it('releases the running job on shutdown and completes it after the restart', async () => {
    const model = `slow-${dialect === 'postgres' ? 1201 : 1200}`;
    const env: Record<string, string> = {
      PORTICO_DATA_DIR: dataDir,
      // Shorter than the model takes: the first server must give the job back, not finish it.
      PORTICO_JOBS__SHUTDOWN_GRACE_MS: '100',
      ...(dialect === 'postgres' ? { DATABASE_URL: process.env.TEST_DATABASE_URL!, PORTICO_DATABASE__SCHEMA: schema } : {}),
    };
    const first = await startGenerationServer(env);
    const admin = await first.key('admin');
    const user = await first.key('user');
    await first.server.services.prompts!.create({ name: 'essay', arguments: [{ name: 'topic', required: true }], body: 'Write about {{ topic }}' }, 'test');
    expect((await first.api('POST', '/ai-configurations', admin, { name: 'slow', provider: 'anthropic', model, base_url: fake.anthropicBaseUrl, api_key: 'sk-slow-key-000000' })).status).toBe(201);

    const queued = await first.api('POST', '/prompts/essay/generate', user, { arguments: { topic: 'restarts' }, background: true });
    expect(queued.status).toBe(202);
    const id = queued.body.job_id as string;
    await eventually(() => first.api('GET', `/jobs/${id}`, user), (r) => r.body.status === 'running', 5_000);
    await eventually(() => fake.requestsFor(model).length, (n) => n === 1);
    await first.server.close();

    const second = await startGenerationServer(env);
    const done = await eventually(() => second.api('GET', `/jobs/${id}`, user), (r) => r.body.status === 'succeeded', 15_000);
    // The released attempt does not count: the job succeeded on its first counted attempt.
    expect(done.body).toMatchObject({ attempts: 1, result: { output: `[${model}] Write about restarts`, configuration: 'slow', job_id: id } });
    expect(fake.requestsFor(model)).toHaveLength(2);
    const stored = await second.server.database.db.selectFrom('generations').selectAll().where('job_id', '=', id).execute();
    expect(stored).toHaveLength(1);
    await second.server.close();
  }, 40_000);
});
