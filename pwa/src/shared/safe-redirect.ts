/** Only same-app paths are honoured, so a crafted link cannot send someone elsewhere after sign-in. */
export function safeRedirect(value: unknown): string {
  return typeof value === 'string' && value.startsWith('/') && !value.startsWith('//') ? value : '/';
}
