import { createHash, randomBytes } from 'node:crypto';

/** Token kinds are told apart by prefix, so a leaked token in a log says what it opens. */
export const TOKEN_PREFIX = { session: 'kfs_', apiKey: 'kfk_', device: 'kfd_' } as const;
export type TokenKind = keyof typeof TOKEN_PREFIX;

export function generateToken(kind: TokenKind): string {
  return TOKEN_PREFIX[kind] + randomBytes(32).toString('base64url');
}

/** Tokens are high-entropy, so a plain SHA-256 is enough to keep them useless if the database leaks. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function tokenKind(token: string): TokenKind | undefined {
  return (Object.keys(TOKEN_PREFIX) as TokenKind[]).find((kind) => token.startsWith(TOKEN_PREFIX[kind]));
}

/** What lists show of a token: enough to recognise it, not enough to use it. */
export const displayPrefix = (token: string): string => token.slice(0, 10);
