// Public face of the LLM layer: the model registry (configuration), the chat call and its errors.
export { compileSchema, judgeAnswer, type ResponseFormat } from './answer.js';
export { chat, retryAfterMs, type ChatDeps, type ChatRequest, type ChatResult } from './chat.js';
export { LlmCallError, type LlmErrorCode } from './errors.js';
export {
  LLM_CAPABILITIES,
  LlmModelsError,
  parseLlmModels,
  type LlmCapability,
  type LlmModel,
  type LlmModelRegistry,
} from './models.js';
export { composePrompt, DEFAULT_CONTEXT_KEYS, suppressesNotification } from './prompt.js';
