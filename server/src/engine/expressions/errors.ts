export type ExpressionErrorCode = 'parse' | 'unknown_function' | 'type' | 'jmespath';

/** The only error type the expression engine lets escape, so callers can map it without guessing. */
export class ExpressionError extends Error {
  override name = 'ExpressionError';
  constructor(
    readonly code: ExpressionErrorCode,
    message: string,
    readonly position?: number,
  ) {
    super(message);
  }
}

/** A save-time finding; `position` is a 0-based offset into the checked source. */
export interface ExpressionIssue {
  code: 'parse' | 'unknown_function' | 'unknown_path' | 'unknown_step';
  message: string;
  position?: number;
  suggestion?: string;
}

/** What a step may reference: the keys of earlier steps and the top-level keys that always exist. */
export interface ExpressionScope {
  stepKeys: string[];
  knownRoots: string[];
  /** When given, `steps.<key>.<field>` must use one of these fields (the engine writes `output`). */
  stepFields?: string[];
}

/** Quotes a character or token for error messages the way users type it. */
export function describeToken(text: string): string {
  return text === '' ? 'end of expression' : JSON.stringify(text);
}
