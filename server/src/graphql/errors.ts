import {
  FlowValidationError,
  NameTakenError,
  NotFoundError,
  VersionConflictError,
  ISSUE_CODES,
} from '../flows/errors.js';
import { builder } from './builder.js';
import { InputValidationError } from './input-validation.js';

/** Login failed; deliberately does not say whether the email exists. */
export class InvalidCredentialsError extends Error {
  override name = 'InvalidCredentialsError';
  constructor() {
    super('email or password is wrong');
  }
}

/** Too many wrong passwords for this account or from this address; the password was not checked. */
export class LoginThrottledError extends Error {
  override name = 'LoginThrottledError';
  constructor(readonly retryAfterSeconds: number) {
    super(`too many failed sign-ins; try again in ${retryAfterSeconds} s`);
  }
}

/** Stable machine-readable codes of the typed errors (REST maps them to HTTP statuses). */
export const ERROR_CODES: Record<string, string> = {
  FlowValidationError: 'FLOW_INVALID',
  VersionConflictError: 'VERSION_CONFLICT',
  NotFoundError: 'NOT_FOUND',
  NameTakenError: 'NAME_TAKEN',
  InputValidationError: 'INVALID_INPUT',
  InvalidCredentialsError: 'INVALID_CREDENTIALS',
  LoginThrottledError: 'TOO_MANY_ATTEMPTS',
  TemplateInUseError: 'TEMPLATE_IN_USE',
};

export const ErrorInterface = builder.interfaceRef<Error>('Error').implement({
  description: 'An expected failure of a mutation or query, returned as data rather than thrown.',
  fields: (t) => ({
    message: t.exposeString('message', { description: 'What went wrong, in words for a person.' }),
    code: t.string({
      description: 'Stable machine-readable code, e.g. FLOW_INVALID, VERSION_CONFLICT, NOT_FOUND.',
      resolve: (error) =>
        ERROR_CODES[error.name] ??
        ('code' in error && typeof error.code === 'string' ? error.code.toUpperCase() : 'ERROR'),
    }),
  }),
});

const ISSUE_DESCRIPTIONS: Record<(typeof ISSUE_CODES)[number], string> = {
  unknown_step_type: 'The step type is not installed.',
  invalid_config: 'The step config does not match its type’s schema or checks.',
  invalid_key: 'The step key is not a valid identifier.',
  duplicate_key: 'Two steps share a key.',
  unknown_port: 'An edge leaves from a port its source step type does not declare.',
  edge_into_trigger: 'An edge leads into a trigger step.',
  unknown_step: 'An edge names a step that does not exist.',
  duplicate_edge: 'The same edge appears twice.',
  cycle: 'Edges form a cycle.',
  invalid_expression: 'An expression or template does not parse or names something unknown.',
  invalid_field: 'A flow setting is out of range.',
  unknown_template: 'A step refers to an action template that does not exist or is of another type.',
  unknown_reference:
    'A config field names a node, flow or tablet (by global ID or name) that does not exist.',
  not_configured:
    'The step type needs a server setting that is missing (KINFLOW_LLM_MODELS, KINFLOW_HOME_ASSISTANT_URL).',
};

const IssueCode = builder.enumType('ValidationIssueCode', {
  description: 'The kind of problem found in a flow graph or its settings.',
  values: Object.fromEntries(
    ISSUE_CODES.map((code) => [code.toUpperCase(), { value: code, description: ISSUE_DESCRIPTIONS[code] }]),
  ),
});

const ValidationIssueRef = builder.simpleObject('ValidationIssue', {
  description: 'One problem in a flow; names the step and field so an editor can point at it.',
  fields: (t) => ({
    code: t.field({ type: IssueCode, description: 'The kind of problem.' }),
    message: t.string({ description: 'What is wrong, in words for a person.' }),
    stepKey: t.string({
      nullable: true,
      description: 'Key of the step the problem is in, when it is in one.',
    }),
    field: t.string({
      nullable: true,
      description: 'Path of the offending field, e.g. `config.cron` or `edges[2].target`.',
    }),
  }),
});
export { ValidationIssueRef };

builder.objectType(FlowValidationError, {
  name: 'FlowValidationError',
  description: 'The flow would be invalid after this change; nothing was written.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    issues: t.field({
      type: [ValidationIssueRef],
      description: 'Every problem found, so all can be fixed at once.',
      resolve: (error) => error.issues.map((issue) => ({ stepKey: null, field: null, ...issue })),
    }),
  }),
});

builder.objectType(VersionConflictError, {
  name: 'VersionConflictError',
  description:
    'Someone else changed the flow after you loaded it; reload and apply your change again. Nothing was written.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    expectedVersion: t.exposeInt('expectedVersion', { description: 'The version your change was based on.' }),
    currentVersion: t.exposeInt('currentVersion', { description: 'The version the flow is at now.' }),
  }),
});

builder.objectType(NotFoundError, {
  name: 'NotFoundError',
  description: 'The object does not exist (or is not visible to you).',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    entity: t.exposeString('entity', { description: 'What kind of object was looked for.' }),
    ref: t.exposeString('ref', { description: 'The id or name that was looked for.' }),
  }),
});

builder.objectType(NameTakenError, {
  name: 'NameTakenError',
  description:
    'The name is already in use: flows, nodes and action templates are found by name (trigger_flow, telemetry, selectors), so names are unique.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    name: t.exposeString('takenName', { description: 'The name that is already in use.' }),
  }),
});

builder.objectType(InvalidCredentialsError, {
  name: 'InvalidCredentialsError',
  description: 'The email or password is wrong.',
  interfaces: [ErrorInterface],
});

builder.objectType(LoginThrottledError, {
  name: 'LoginThrottledError',
  description: 'Too many failed sign-ins for this account or from this address; wait and try again.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    retryAfterSeconds: t.exposeInt('retryAfterSeconds', { description: 'Seconds until the next try.' }),
  }),
});

const InputIssueRef = builder.simpleObject('InputIssue', {
  description: 'One argument that failed validation.',
  fields: (t) => ({
    field: t.string({
      nullable: true,
      description:
        'Path of the argument, e.g. `input.name`; null when the problem is with the arguments together.',
    }),
    message: t.string({ description: 'What is wrong with it.' }),
  }),
});

builder.objectType(InputValidationError, {
  name: 'InvalidInputError',
  description: 'An argument failed validation; nothing was written.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    issues: t.field({
      type: [InputIssueRef],
      description: 'Each failing argument.',
      resolve: (error) => error.issues,
    }),
  }),
});

/** The errors every flow-changing mutation can return. */
export const FLOW_WRITE_ERRORS = [
  InputValidationError,
  FlowValidationError,
  VersionConflictError,
  NotFoundError,
  NameTakenError,
];
