/**
 * OpenAI Chat Completions through the official `openai` SDK, for `openai` and for
 * `openai-compatible` servers (vLLM, Ollama, LM Studio, gateways) at their own base URL.
 */
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { fromSdkError, ModelCallError, type ModelClient } from './model-client.js';

const SDK_ERRORS = { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError };

export interface OpenAiClientOptions {
  readonly apiKey: string | undefined;
  readonly baseUrl: string | undefined;
  readonly model: string;
  readonly timeoutMs: number;
  /** Compatible servers expect the older `max_tokens`; OpenAI itself `max_completion_tokens`. */
  readonly compatible: boolean;
}

export function createOpenAiModelClient(options: OpenAiClientOptions): ModelClient {
  const sdk = new OpenAI({
    // Local compatible servers often need no key, but the SDK insists on one.
    apiKey: options.apiKey ?? 'unused',
    ...(options.baseUrl ? { baseURL: options.baseUrl } : {}),
    timeout: options.timeoutMs,
    maxRetries: 0,
    // The SDK must not read OPENAI_* environment settings behind the configuration's back.
    organization: null,
    project: null,
    logLevel: 'off',
  });
  return {
    async complete(request, signal) {
      const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [];
      if (request.system) messages.push({ role: 'system', content: request.system });
      messages.push({ role: 'user', content: request.prompt });
      let completion: OpenAI.Chat.ChatCompletion;
      try {
        completion = await sdk.chat.completions.create(
          {
            model: options.model,
            messages,
            ...(options.compatible ? { max_tokens: request.maxTokens } : { max_completion_tokens: request.maxTokens }),
            ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
            ...(request.topP !== undefined ? { top_p: request.topP } : {}),
            ...(request.stop?.length ? { stop: [...request.stop] } : {}),
          },
          { signal },
        );
      } catch (err) {
        throw fromSdkError(err, SDK_ERRORS, options.apiKey);
      }
      const choice = completion.choices?.[0];
      const text = choice?.message?.content;
      if (typeof text !== 'string') throw new ModelCallError('invalid_response', 'The model API answered without message content.');
      return {
        text,
        model: typeof completion.model === 'string' && completion.model ? completion.model : options.model,
        inputTokens: completion.usage?.prompt_tokens ?? null,
        outputTokens: completion.usage?.completion_tokens ?? null,
        stopReason: choice?.finish_reason ?? null,
      };
    },
  };
}
