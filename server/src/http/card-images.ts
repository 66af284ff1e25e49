import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import type { MikroORM } from '@mikro-orm/better-sqlite';
import { permissionsOf } from '../auth/actor.js';
import type { CachedAuthenticator } from '../auth/access-cache.js';
import { decodeCardId } from '../care/index.js';
import { cachedStatement, rawDatabase } from '../engine/sqlite.js';
import { bearerFrom } from './context.js';

export const CARD_MEDIA_PREFIX = '/media/cards/';
/** Pictures for a tablet screen; larger files are refused rather than resized. */
export const MAX_CARD_IMAGE_BYTES = 2 * 1024 * 1024;

const TYPES = { png: 'image/png', jpg: 'image/jpeg', webp: 'image/webp' } as const;

/** The type from the file's first bytes, never from the client's content-type. */
function sniff(bytes: Buffer): keyof typeof TYPES | undefined {
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
    return 'png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpg';
  if (
    bytes.subarray(0, 4).toString('latin1') === 'RIFF' &&
    bytes.subarray(8, 12).toString('latin1') === 'WEBP'
  )
    return 'webp';
  return undefined;
}

const send = (res: http.ServerResponse, status: number, body: unknown) =>
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
/** The REST envelope's refusal; `field` names the query parameter at fault, for forms. */
const refuse = (res: http.ServerResponse, status: number, code: string, message: string, field?: string) =>
  send(res, status, { error: { code, message, ...(field && { field }) } });

/**
 * `PUT /media/cards/{cardId}?alt=…` stores a card picture (PNG, JPEG or WebP up to 2 MB, alt text
 * required) under <data dir>/cards; `GET /media/cards/{file}` serves it. Changing the picture
 * withdraws the card's approval.
 */
export async function handleCardMedia(
  orm: MikroORM,
  authenticator: CachedAuthenticator,
  dataDir: string,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const name = decodeURIComponent(url.pathname.slice(CARD_MEDIA_PREFIX.length));
  const dir = path.join(dataDir, 'cards');
  if (req.method === 'GET' || req.method === 'HEAD') {
    const match = /^[0-9a-f-]{36}-[0-9a-f]{16}\.(png|jpg|webp)$/.exec(name);
    const file = match && path.join(dir, name);
    if (!match || !file || !fs.existsSync(file)) return void refuse(res, 404, 'NOT_FOUND', 'not found');
    res.writeHead(200, {
      'content-type': TYPES[match[1] as keyof typeof TYPES],
      'cache-control': 'public, max-age=31536000, immutable',
      'x-content-type-options': 'nosniff',
    });
    if (req.method === 'HEAD') return void res.end();
    return void fs.createReadStream(file).pipe(res);
  }
  if (req.method !== 'PUT')
    return void refuse(res, 405, 'METHOD_NOT_ALLOWED', 'use PUT to upload, GET to read');
  const token = bearerFrom({ headers: new Headers(req.headers as Record<string, string>) });
  const actor = token ? ((await authenticator.resolve(token))?.actor ?? null) : null;
  if (!permissionsOf(actor).has('write'))
    return void refuse(
      res,
      actor ? 403 : 401,
      actor ? 'FORBIDDEN' : 'UNAUTHENTICATED',
      'needs the write scope',
    );
  const alt = url.searchParams.get('alt')?.trim() ?? '';
  if (!alt || alt.length > 300)
    return void refuse(res, 422, 'INVALID_INPUT', 'alt text is required (up to 300 characters)', 'alt');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_CARD_IMAGE_BYTES) {
      res.setHeader('connection', 'close');
      return void refuse(
        res,
        413,
        'PAYLOAD_TOO_LARGE',
        `images may be at most ${MAX_CARD_IMAGE_BYTES / 1024 / 1024} MB`,
        'image',
      );
    }
    chunks.push(chunk as Buffer);
  }
  const bytes = Buffer.concat(chunks);
  const ext = sniff(bytes);
  if (!ext)
    return void refuse(
      res,
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      'only PNG, JPEG and WebP images are accepted',
      'image',
    );
  const db = await rawDatabase(orm);
  const cardId = decodeCardId(name);
  const card = cachedStatement(db, 'select image_url from info_cards where id = ?').get(cardId) as
    { image_url: string | null } | undefined;
  if (!card) return void refuse(res, 404, 'NOT_FOUND', `info card ${name} not found`);
  fs.mkdirSync(dir, { recursive: true });
  const file = `${cardId}-${randomBytes(8).toString('hex')}.${ext}`;
  fs.writeFileSync(path.join(dir, file), bytes);
  cachedStatement(
    db,
    'update info_cards set image_url = ?, image_alt = ?, approved = 0, updated_at = ? where id = ?',
  ).run(file, alt, Date.now(), cardId);
  if (card.image_url) fs.rmSync(path.join(dir, path.basename(card.image_url)), { force: true });
  send(res, 200, { data: { imageUrl: `${CARD_MEDIA_PREFIX}${file}`, imageAlt: alt, approved: false } });
}
