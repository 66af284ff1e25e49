interface StandardIssue {
  message: string;
  path?: ReadonlyArray<PropertyKey | { key: PropertyKey }>;
}

import { GraphQLError } from 'graphql';

/**
 * Thrown when an argument fails its schema; mapped to the typed `InvalidInputError` where a field
 * declares it, and otherwise reported as a GraphQL error with code INVALID_INPUT and the issues
 * (never masked as "Unexpected error.").
 */
export class InputValidationError extends GraphQLError {
  override name = 'InputValidationError';
  readonly issues: Array<{ field: string; message: string }>;

  constructor(issues: readonly StandardIssue[]) {
    const mapped = issues.map((issue) => ({
      field: (issue.path ?? []).map((part) => String(typeof part === 'object' ? part.key : part)).join('.'),
      message: issue.message,
    }));
    super(
      mapped.map((issue) => (issue.field ? `${issue.field}: ${issue.message}` : issue.message)).join('; '),
      { extensions: { code: 'INVALID_INPUT', issues: mapped } },
    );
    this.issues = mapped;
  }
}
