import { isSecretPlaceholder, revealPlaceholders, type SecretSealer } from '../crypto/sealed-config.js';

/** What the caller of testStep may not read back: the stored secrets its placeholders stood for. */
const HIDDEN = '{$secret}';

/**
 * A testStep config with `{"$secret":"set"}` replaced by the saved step's stored (sealed) value, and
 * the plain values that came from storage, so the result can be scrubbed of them: the caller sent a
 * placeholder and must not learn what it stands for (a dry run's `wouldSend` shows headers).
 */
export function withStoredSecrets(
  config: Record<string, unknown>,
  stored: Record<string, unknown> | undefined,
  secrets: Pick<SecretSealer, 'open'> | undefined,
): { config: Record<string, unknown>; hidden: string[] } {
  if (!stored || !secrets) return { config, hidden: [] };
  const revealed = revealPlaceholders(config, stored, secrets);
  const hidden: string[] = [];
  const visit = (given: unknown, opened: unknown) => {
    if (isSecretPlaceholder(given)) collectStrings(opened, hidden);
    else if (given && typeof given === 'object' && opened && typeof opened === 'object')
      for (const [key, child] of Object.entries(given))
        visit(child, (opened as Record<string, unknown>)[key]);
  };
  visit(config, revealed);
  return { config: revealed, hidden: hidden.filter((value) => value.length > 0) };
}

function collectStrings(value: unknown, into: string[]): void {
  if (typeof value === 'string') into.push(value);
  else if (value && typeof value === 'object')
    for (const child of Object.values(value)) collectStrings(child, into);
}

/** `value` with every occurrence of a hidden string replaced by a marker. */
export function scrubHidden<T>(value: T, hidden: string[]): T {
  if (hidden.length === 0) return value;
  const scrub = (node: unknown): unknown => {
    if (typeof node === 'string')
      return hidden.reduce((text, secret) => text.split(secret).join(HIDDEN), node);
    if (Array.isArray(node)) return node.map(scrub);
    if (node && typeof node === 'object')
      return Object.fromEntries(Object.entries(node).map(([key, child]) => [key, scrub(child)]));
    return node;
  };
  return scrub(value) as T;
}
