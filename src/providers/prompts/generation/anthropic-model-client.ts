/** Anthropic Messages through the official `@anthropic-ai/sdk`. */
import Anthropic, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from '@anthropic-ai/sdk';
import { fromSdkError, ModelCallError, type ModelClient } from './model-client.js';

const SDK_ERRORS = { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError };

export interface AnthropicClientOptions {
  readonly apiKey: string | undefined;
  readonly baseUrl: string | undefined;
  readonly model: string;
  readonly timeoutMs: number;
}

export function createAnthropicModelClient(options: AnthropicClientOptions): ModelClient {
  const sdk = new Anthropic({
    // Always explicit: without a key the SDK would go looking for credentials on disk and in the environment.
    apiKey: options.apiKey ?? 'unused',
    authToken: null,
    baseURL: options.baseUrl ?? 'https://api.anthropic.com',
    timeout: options.timeoutMs,
    maxRetries: 0,
    logLevel: 'off',
    openTelemetry: false,
  });
  return {
    async complete(request, signal) {
      let message: Anthropic.Message;
      try {
        message = await sdk.messages.create(
          {
            model: options.model,
            max_tokens: request.maxTokens,
            messages: [{ role: 'user', content: request.prompt }],
            ...(request.system ? { system: request.system } : {}),
            ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
            ...(request.topP !== undefined ? { top_p: request.topP } : {}),
            ...(request.stop?.length ? { stop_sequences: [...request.stop] } : {}),
          },
          { signal },
        );
      } catch (err) {
        throw fromSdkError(err, SDK_ERRORS, options.apiKey);
      }
      if (!Array.isArray(message.content)) throw new ModelCallError('invalid_response', 'The model API answered without content blocks.');
      const text = message.content
        .filter((b): b is Anthropic.TextBlock => b.type === 'text')
        .map((b) => b.text)
        .join('');
      return {
        text,
        model: typeof message.model === 'string' && message.model ? message.model : options.model,
        inputTokens: message.usage?.input_tokens ?? null,
        outputTokens: message.usage?.output_tokens ?? null,
        stopReason: message.stop_reason ?? null,
      };
    },
  };
}
