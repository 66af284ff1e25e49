import { Validator, type OutputUnit } from '@cfworker/json-schema';

export type ResponseFormat = 'text' | 'json_schema' | 'json_free';

/** A compiled response schema; construction fails on a schema the validator cannot use (bad $ref …). */
export function compileSchema(schema: Record<string, unknown>): Validator {
  return new Validator(schema as never, '2020-12', false);
}

export type Judgement = { ok: true; value: unknown } | { ok: false; problem: string };

/** Models like to wrap JSON in a Markdown fence even when told not to. */
function unfence(text: string): string {
  const match = /^\s*```(?:json)?\s*\n?([\s\S]*?)\n?```\s*$/i.exec(text);
  return (match?.[1] ?? text).trim();
}

function describe(errors: OutputUnit[]): string {
  // The leaf errors say what is wrong where; the wrappers ("properties do not match") add nothing.
  const leaves = errors.filter((error) => !['properties', 'allOf', 'items', '$ref'].includes(error.keyword));
  return (leaves.length ? leaves : errors)
    .slice(0, 3)
    .map(
      (error) => `${error.instanceLocation === '#' ? 'the answer' : error.instanceLocation}: ${error.error}`,
    )
    .join('; ');
}

/**
 * Judges one answer: the hallucination marker first (any format), then JSON parsing, then the schema.
 * The problem text is fed back to the model on the next attempt.
 */
export function judgeAnswer(
  content: string,
  format: ResponseFormat,
  options: { validator?: Validator; hallucinationMarker?: string },
): Judgement {
  if (options.hallucinationMarker && content.includes(options.hallucinationMarker)) {
    return { ok: false, problem: `the answer contains "${options.hallucinationMarker}"` };
  }
  if (format === 'text') return { ok: true, value: content };
  let value: unknown;
  try {
    value = JSON.parse(unfence(content));
  } catch (error) {
    return { ok: false, problem: `the answer is not valid JSON (${(error as Error).message})` };
  }
  if (format === 'json_schema' && options.validator) {
    const result = options.validator.validate(value);
    if (!result.valid)
      return { ok: false, problem: `the answer does not match the schema: ${describe(result.errors)}` };
  }
  return { ok: true, value };
}
