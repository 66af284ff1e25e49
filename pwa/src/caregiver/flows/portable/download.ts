import { sentence } from '../../../shared/graphql/errors';

/** Saves text as a file through a Blob and a temporary link, so no server round trip is needed. */
export function downloadText(filename: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // Revoked later, not at once: some browsers start reading the Blob only after click() returns.
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}

export const MEDIA_TYPES = { YAML: 'application/yaml', JSON: 'application/json' } as const;

/** Where a left-out value or a reference sits, in words: `step “notify”, config.url`. */
export function placeOf(site: { step?: string | null; template?: string | null; field: string }): string {
  const owner = site.step ? `step “${site.step}”` : site.template ? `template “${site.template}”` : '';
  return owner ? `${owner}, ${site.field}` : site.field;
}

export const KIND_WORDS: Record<string, string> = {
  NODE: 'node',
  node: 'node',
  DEVICE: 'tablet',
  device: 'tablet',
  FLOW: 'flow',
  flow: 'flow',
};

/** What a left-out value is, for a person: the server's hint speaks to API clients. */
export function secretWords(secret: { field: string; fill?: string | null; hint?: string | null }): string {
  const later = secret.fill === 'after_import' || secret.fill === 'AFTER_IMPORT';
  if (later && secret.field === 'webhookUrl')
    return 'The webhook’s secret address. The new flow gets its own: issue it in the step’s settings.';
  if (later) return secret.hint ? `${sentence(secret.hint)}.` : 'Issued anew after importing.';
  return secret.hint ? `${sentence(secret.hint)}.` : 'A secret value.';
}
