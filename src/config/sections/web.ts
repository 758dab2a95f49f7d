/**
 * `web`: the `web_api` tool and the configured API resources (`{scheme}://api/{name}`). Outbound
 * requests are refused to private, loopback, link-local and metadata addresses unless the host is
 * allowlisted here.
 */
import { z } from 'zod';
import { meta } from '../key-meta.js';

export const webSchema = z.strictObject({
  enabled: z.boolean().default(true).meta(meta({ description: 'Offer the `web_api` tool and the configured API resources.' })),
  allowedHosts: z
    .array(z.string().min(1))
    .default([])
    .meta(
      meta({
        description:
          'Destinations exempt from the private-address (SSRF) check: host names (exact, case-insensitive), IP addresses or CIDR ranges (e.g. 10.1.0.0/16). Empty: only public addresses.',
      }),
    ),
  maxResponseBytes: z
    .number()
    .int()
    .min(1024)
    .max(64 * 1024 * 1024)
    .default(1_048_576)
    .meta(meta({ description: 'Largest response body read; reading stops there and the result is marked truncated.' })),
  maxTextChars: z.number().int().min(100).default(100_000).meta(meta({ description: 'Text bodies longer than this are cut in the result (flagged `truncated`).' })),
  defaultTimeoutMs: z.number().int().min(100).default(30_000).meta(meta({ description: 'Timeout of one outbound request when the caller gives none.' })),
  maxTimeoutMs: z.number().int().min(100).default(60_000).meta(meta({ description: 'Longest timeout a caller may ask for.' })),
  maxRedirects: z.number().int().min(0).max(20).default(5).meta(meta({ description: 'Redirects followed (each one re-checked against the address policy).' })),
  userAgent: z.string().min(1).default('Portico web_api').meta(meta({ description: 'User-Agent sent when the caller sets none.' })),
});

export type WebConfig = z.output<typeof webSchema>;
