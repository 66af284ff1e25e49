import { sentence } from './errors';

interface Outcome {
  __typename?: string;
  message?: string;
  issues?: ReadonlyArray<{ field: string | null; message: string }>;
}

/**
 * A mutation's typed refusal split for a form: each issue under the field it names (`input.title`
 * → `title`), and whatever names no field (or a field the form does not show) as one message.
 */
export function fieldErrors(
  outcome: Outcome | null | undefined,
  fields: readonly string[],
): { fields: Record<string, string>; message: string | null } {
  const byField: Record<string, string> = {};
  const rest: string[] = [];
  for (const issue of outcome?.issues ?? []) {
    const name = issue.field?.replace(/^input\./, '') ?? '';
    if (fields.includes(name) && !byField[name]) byField[name] = sentence(issue.message);
    else rest.push(sentence(issue.message));
  }
  if (!outcome?.issues?.length && outcome?.message) rest.push(sentence(outcome.message));
  return { fields: byField, message: rest.length ? rest.join(' ') : null };
}
