/**
 * The LLM classifier's public face (issue 6). The engine builds one categorizer per run; the
 * window's handlers use the endpoint check and the one-message test. No electron here.
 */
export type { ClassifierHealth } from '../../../../shared/domain/status.js';
export {
  categorizeOnce,
  createLlmCategorizer,
  RETRY_DELAY_MS,
  type LlmCategorizer,
  type LlmCategorizerOptions,
} from './categorizer.js';
export { testLlmEndpoint, listModels } from './endpoint.js';
export { buildPrompt, NONE, PROMPT_VERSION } from './prompt.js';
export { requestBody, type ReplyMode } from './protocol.js';
