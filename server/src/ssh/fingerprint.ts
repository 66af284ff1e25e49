import { createHash } from 'node:crypto';

/** `SHA256:<base64 without padding>` of a raw SSH public key blob, exactly as `ssh-keygen -l` prints it. */
export function sha256Fingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** Legacy `MD5:aa:bb:…` form, still what some older tools and nodes' records show. */
function md5Fingerprint(keyBlob: Buffer): string {
  const hex = createHash('md5').update(keyBlob).digest('hex');
  return `MD5:${hex.match(/../g)!.join(':')}`;
}

/**
 * Canonical form of a stored fingerprint, or undefined when it is neither SHA256 nor MD5. Accepts what
 * people paste: with or without the `SHA256:` prefix, with base64 padding, MD5 hex with or without `MD5:`.
 */
export function normalizeFingerprint(stored: string): string | undefined {
  const text = stored.trim();
  const md5 = /^(?:md5:)?((?:[0-9a-f]{2}:){15}[0-9a-f]{2})$/i.exec(text);
  if (md5) return `MD5:${md5[1]!.toLowerCase()}`;
  const sha = /^(?:sha256:)?([A-Za-z0-9+/]{43})=?$/i.exec(text);
  if (sha) return `SHA256:${sha[1]}`;
  return undefined;
}

/** Whether `keyBlob` is the key a stored (already normalised) fingerprint describes. */
export function fingerprintMatches(keyBlob: Buffer, normalized: string): boolean {
  return normalized.startsWith('MD5:')
    ? md5Fingerprint(keyBlob) === normalized
    : sha256Fingerprint(keyBlob) === normalized;
}
