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
  /**
   * Steps of the flow that exist but do not run before this one: `later` run after it, `elsewhere` are
   * on another branch. A reference to one is told so, rather than "unknown step".
   */
  unavailableSteps?: { self: string; later: string[]; elsewhere: string[] };
  knownRoots: string[];
  /**
   * When every trigger that can start this step has a fixed payload shape (a webhook), its top-level
   * keys: `trigger.payload.<other>` is refused with a suggestion.
   */
  triggerPayloadKeys?: { keys: string[]; source: string; suggest?: string };
  /** When given, `steps.<key>.<field>` must use one of these fields (the engine writes `output`). */
  stepFields?: string[];
}

/** Quotes a character or token for error messages the way users type it. */
export function describeToken(text: string): string {
  return text === '' ? 'end of expression' : JSON.stringify(text);
}
