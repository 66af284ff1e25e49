export type LlmErrorCode =
  | 'llm_timeout'
  | 'llm_rate_limited'
  | 'llm_refused'
  | 'llm_http_error'
  | 'llm_bad_reply'
  | 'llm_invalid_response';

/** A failed model call; `code` becomes the step's error code, so flows and the inspector can tell them apart. */
export class LlmCallError extends Error {
  override name = 'LlmCallError';
  constructor(
    readonly code: LlmErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
