interface StandardIssue {
  message: string;
  path?: ReadonlyArray<PropertyKey | { key: PropertyKey }>;
}

/** Thrown when an argument fails its schema; mapped to the typed `InvalidInputError`. */
export class InputValidationError extends Error {
  override name = 'InputValidationError';
  readonly issues: Array<{ field: string; message: string }>;

  constructor(issues: readonly StandardIssue[]) {
    const mapped = issues.map((issue) => ({
      field: (issue.path ?? []).map((part) => String(typeof part === 'object' ? part.key : part)).join('.'),
      message: issue.message,
    }));
    super(
      mapped.map((issue) => (issue.field ? `${issue.field}: ${issue.message}` : issue.message)).join('; '),
    );
    this.issues = mapped;
  }
}
