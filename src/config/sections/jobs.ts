/** Configuration of the database-backed background job queue and its worker loop. */
import { z } from 'zod';
import { meta } from '../key-meta.js';

export const jobsSchema = z.strictObject({
  enabled: z.boolean().default(true).meta(meta({ description: 'Run the background job worker in this process (off: jobs are queued but only other nodes run them).' })),
  concurrency: z.number().int().min(1).max(256).default(2).meta(meta({ description: 'Jobs this process runs at once.' })),
  pollIntervalMs: z.number().int().min(10).default(1_000).meta(meta({ description: 'How often an idle worker looks for due jobs (jobs queued on this node start at once).' })),
  leaseMs: z.number().int().min(100).default(60_000).meta(meta({ description: 'How long a claimed job is reserved; a running job renews it, and a job whose worker died is retried after it lapses.' })),
  maxAttempts: z.number().int().min(1).max(100).default(3).meta(meta({ description: 'Default attempts of a job before it is dead-lettered.' })),
  retryBaseDelayMs: z.number().int().min(0).default(2_000).meta(meta({ description: 'Delay before the first retry of a failed job; doubles per attempt.' })),
  retryMaxDelayMs: z.number().int().min(0).default(300_000).meta(meta({ description: 'Longest delay between two attempts of a job.' })),
  shutdownGraceMs: z.number().int().min(0).default(10_000).meta(meta({ description: 'On shutdown, how long running jobs may take to finish before they are released for another worker.' })),
  retentionDays: z.number().int().min(1).default(30).meta(meta({ description: 'Finished jobs (succeeded, failed, dead) older than this are deleted.' })),
});

export type JobsConfig = z.output<typeof jobsSchema>;
