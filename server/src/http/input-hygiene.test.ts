import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { inputHygienePlugin } from './input-hygiene.js';

/** Runs the plugin's onExecute as envelop would; returns what it refused, or null. */
function refusal(document: ReturnType<typeof parse>, variableValues: Record<string, unknown> = {}) {
  let result: { errors: Array<{ path?: unknown; message: string }> } | null = null;
  const onExecute = inputHygienePlugin().onExecute as (payload: unknown) => void;
  onExecute({
    args: { document, variableValues },
    setResultAndStopExecution: (value: typeof result) => (result = value),
  });
  return result;
}

describe('inputHygienePlugin', () => {
  it('refuses a NUL in a literal every time the same parsed document comes back', () => {
    const document = parse('mutation { createFlow(input: { name: "a\\u0000b" }) { __typename } }');
    expect(refusal(document)).not.toBeNull();
    // The second time the finding comes from the per-document memo; it must still refuse.
    expect(refusal(document)).not.toBeNull();
  });

  it('checks variables on every request even when the document is known to be clean', () => {
    const document = parse('mutation($name: String!) { rename(name: $name) { __typename } }');
    expect(refusal(document, { name: 'fine' })).toBeNull();
    expect(refusal(document, { name: 'bad\u0000' })).not.toBeNull();
    expect(refusal(document, { name: 'fine again' })).toBeNull();
  });
});
