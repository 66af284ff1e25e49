/**
 * The rules the variables API and `set_variable` share, checked before sending so a mistake shows on
 * its field at once; the server checks again and its answer wins.
 */
export const KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

export function keyProblem(key: string, taken: readonly string[]): string | null {
  if (!key) return 'Give the variable a name.';
  if (!KEY_PATTERN.test(key))
    return 'Use letters, digits and _, starting with a letter or _ (at most 64), e.g. last_seen.';
  if (taken.includes(key)) return `This flow already has a variable “${key}”: edit that one instead.`;
  return null;
}

export type Parsed = { ok: true; value: unknown } | { ok: false; message: string };

/** The value as JSON; an empty box means null, as set_variable stores a missing value. */
export function parseValue(text: string): Parsed {
  if (text.trim() === '') return { ok: true, value: null };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    const bare = /^[^"{[\d\-tfn]/.test(text.trim());
    return {
      ok: false,
      message: bare
        ? 'This is not JSON. Text needs double quotes, e.g. "calm"; numbers, true, false and null do not.'
        : `This is not valid JSON: ${(error as Error).message.replace(/^JSON\.parse: /, '')}.`,
    };
  }
}

/** Text for the edit box: objects and lists spread over lines so they can be read. */
export const editText = (value: unknown): string =>
  value !== null && typeof value === 'object' ? JSON.stringify(value, null, 2) : JSON.stringify(value);

/** One line for the list, cut short when long (the edit box shows all of it). */
export function preview(value: unknown, max = 80): string {
  const text = JSON.stringify(value) ?? 'null';
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
