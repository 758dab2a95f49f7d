/**
 * Calls the model of one configuration after another until one answers: the chain is the named
 * configuration (if any) followed by the enabled configurations in fallback order. On each
 * configuration: its own token bucket (a configuration whose budget is spent is skipped, not waited
 * for), then the request with retries and exponential backoff for failures worth retrying. A
 * failure that retrying cannot fix (a bad key, an unknown model) moves straight to the next
 * configuration. The caller's cancellation stops everything at once.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { createTokenBucketLimiter, type TokenBucketLimiter } from '../../../auth/rate-limit/token-bucket-limiter.js';
import { PorticoError } from '../../../core/errors.js';
import { retryDelayMs } from '../../../jobs/job-runner.js';
import type { StoredAiConfiguration } from './ai-configuration.js';
import { ModelCallError, type ModelClient, type ModelRequest, type ModelResponse } from './model-client.js';

export interface RouterOptions {
  readonly maxRetries: number;
  readonly retryBaseDelayMs: number;
  readonly retryMaxDelayMs: number;
  /** The client for a configuration (cached by the caller). */
  clientFor(configuration: StoredAiConfiguration): ModelClient;
  /** Milliseconds clock for the rate limits (tests). */
  now?: () => number;
}

/** One configuration that was tried and why it did not answer (safe to show). */
export interface FailedAttempt {
  readonly configuration: string;
  readonly reason: string;
}

export interface RoutedResponse {
  readonly response: ModelResponse;
  readonly configuration: StoredAiConfiguration;
  /** Configurations tried before the one that answered. */
  readonly fellBackFrom: readonly FailedAttempt[];
}

export interface ModelRouter {
  complete(chain: readonly StoredAiConfiguration[], request: (configuration: StoredAiConfiguration) => ModelRequest, signal: AbortSignal): Promise<RoutedResponse>;
}

export function createModelRouter(options: RouterOptions): ModelRouter {
  // One bucket per configuration and rate; a changed rate starts a fresh bucket.
  const limiters = new Map<string, TokenBucketLimiter>();
  const limiterFor = (c: StoredAiConfiguration): TokenBucketLimiter | undefined => {
    const perMinute = c.rate_limit_per_minute;
    if (perMinute === null) return undefined;
    const key = `${c.name}\u0000${perMinute}`;
    let limiter = limiters.get(key);
    if (!limiter) {
      limiter = createTokenBucketLimiter({ perMinute, burst: perMinute }, options.now ? { now: options.now } : {});
      limiters.set(key, limiter);
    }
    return limiter;
  };

  async function attempt(c: StoredAiConfiguration, request: ModelRequest, signal: AbortSignal): Promise<ModelResponse> {
    const client = options.clientFor(c);
    for (let retry = 0; ; retry++) {
      try {
        return await client.complete(request, signal);
      } catch (err) {
        const failure = err instanceof ModelCallError ? err : new ModelCallError('invalid_response', 'The model client failed unexpectedly.');
        if (signal.aborted) throw failure;
        if (!failure.retryable || retry >= options.maxRetries) throw failure;
        const backoff = retryDelayMs(retry + 1, options.retryBaseDelayMs, options.retryMaxDelayMs);
        await delay(Math.min(options.retryMaxDelayMs, Math.max(backoff, failure.retryAfterMs ?? 0)), undefined, { signal });
      }
    }
  }

  return {
    async complete(chain, request, signal) {
      const failed: FailedAttempt[] = [];
      let soonestRetryMs: number | undefined;
      for (const c of chain) {
        if (signal.aborted) break;
        const decision = limiterFor(c)?.consume(c.name);
        if (decision && !decision.allowed) {
          soonestRetryMs = Math.min(soonestRetryMs ?? Infinity, decision.retryAfterMs ?? 1000);
          failed.push({ configuration: c.name, reason: `rate limit of ${c.rate_limit_per_minute}/min reached` });
          continue;
        }
        try {
          return { response: await attempt(c, request(c), signal), configuration: c, fellBackFrom: failed };
        } catch (err) {
          if (signal.aborted) break;
          failed.push({ configuration: c.name, reason: err instanceof Error ? err.message : 'failed' });
        }
      }
      if (signal.aborted) throw new PorticoError('cancelled', 'The generation was cancelled.');
      const details = { attempts: failed };
      if (failed.length > 0 && soonestRetryMs !== undefined && failed.every((f) => f.reason.startsWith('rate limit'))) {
        throw new PorticoError('rate_limited', `Every AI configuration is at its rate limit; retry in ${Math.max(1, Math.ceil(soonestRetryMs / 1000))} s.`, {
          details: { ...details, retryAfterMs: soonestRetryMs },
        });
      }
      const summary = failed.map((f) => `${f.configuration}: ${f.reason}`).join('; ');
      throw new PorticoError('unavailable', `No AI configuration could answer (${summary}).`, { details });
    },
  };
}
