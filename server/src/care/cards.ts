import MarkdownIt from 'markdown-it';
import { cachedStatement, type SqliteDatabase } from '../engine/sqlite.js';

// The "zero" preset plus a few block and inline rules: no raw HTML, no links, no images, no tables.
const markdown = new MarkdownIt('zero', { html: false, linkify: false, breaks: true }).enable([
  'heading',
  'list',
  'blockquote',
  'emphasis',
  'strikethrough',
  'newline',
]);

/** The body of an info card as HTML, from the safe Markdown subset (raw HTML is shown as text). */
export function renderCardBody(body: string): string {
  return markdown.render(body);
}

export interface CardContent {
  id: string;
  title: string;
  body: string;
  bodyHtml: string;
  imageUrl: string | null;
  imageAlt: string | null;
  approved: boolean;
}

/** Public path of a card's stored image (served from <data dir>/cards). */
export const cardImagePath = (fileName: string) => `/media/cards/${fileName}`;

export function loadCard(db: SqliteDatabase, id: string): CardContent | undefined {
  const row = cachedStatement(
    db,
    'select id, title, body, image_url, image_alt, approved from info_cards where id = ?',
  ).get(id) as
    | {
        id: string;
        title: string;
        body: string;
        image_url: string | null;
        image_alt: string | null;
        approved: number;
      }
    | undefined;
  if (!row) return undefined;
  return {
    id: row.id,
    title: row.title,
    body: row.body,
    bodyHtml: renderCardBody(row.body),
    imageUrl: row.image_url ? cardImagePath(row.image_url) : null,
    imageAlt: row.image_alt,
    approved: row.approved === 1,
  };
}

/** Save-time check for info_card steps: the card must exist and be approved (the seed: "an approved InfoCard"). */
export function infoCardChecks(db: SqliteDatabase) {
  return (steps: Array<{ key: string; type: string; config: unknown }>) =>
    steps.flatMap((step) => {
      if (step.type !== 'info_card') return [];
      const cardId = (step.config as { cardId?: unknown } | null)?.cardId;
      if (typeof cardId !== 'string' || !cardId) return [];
      const card = loadCard(db, decodeCardId(cardId));
      if (!card)
        return [{ stepKey: step.key, field: 'config.cardId', message: `info card ${cardId} does not exist` }];
      if (!card.approved) {
        return [
          {
            stepKey: step.key,
            field: 'config.cardId',
            message: `info card "${card.title}" is not approved yet; approve it before a flow may show it`,
          },
        ];
      }
      return [];
    });
}

/** Card ids may be given raw or as the API's global ID. */
export function decodeCardId(id: string): string {
  if (/^[0-9a-f-]{36}$/i.test(id)) return id;
  const decoded = Buffer.from(id, 'base64').toString('utf8');
  return decoded.startsWith('InfoCard:') ? decoded.slice('InfoCard:'.length) : id;
}
