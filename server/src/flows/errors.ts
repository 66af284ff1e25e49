/** Expected failures of flow authoring; the API maps each to a typed error. */

export const ISSUE_CODES = [
  'unknown_step_type',
  'invalid_config',
  'invalid_key',
  'duplicate_key',
  'unknown_port',
  'edge_into_trigger',
  'unknown_step',
  'duplicate_edge',
  'cycle',
  'invalid_expression',
  'invalid_field',
  'unknown_template',
  'unknown_reference',
  'not_configured',
] as const;
export type IssueCode = (typeof ISSUE_CODES)[number];

export interface ValidationIssue {
  code: IssueCode;
  message: string;
  /** The step the problem is in (for edges: the source step). */
  stepKey?: string;
  /** The field, e.g. `config.cron`, `type`, `edges[2].target`. */
  field?: string;
}

export class FlowValidationError extends Error {
  override name = 'FlowValidationError';
  constructor(readonly issues: ValidationIssue[]) {
    super(
      issues.length === 1 && issues[0]
        ? issues[0].message
        : `${issues.length} problems: ${issues.map((issue) => issue.message).join('; ')}`,
    );
  }
}

export class VersionConflictError extends Error {
  override name = 'VersionConflictError';
  constructor(
    readonly expectedVersion: number,
    readonly currentVersion: number,
  ) {
    super(
      `the flow changed since you loaded it (you edited version ${expectedVersion}, it is now at version ${currentVersion}); reload and apply your change again`,
    );
  }
}

export class NotFoundError extends Error {
  override name = 'NotFoundError';
  constructor(
    readonly entity: string,
    readonly ref: string,
  ) {
    super(`${entity} ${ref} not found`);
  }
}

export class NameTakenError extends Error {
  override name = 'NameTakenError';
  constructor(
    readonly takenName: string,
    readonly entity = 'flow',
  ) {
    super(`a ${entity} named "${takenName}" already exists`);
  }
}
