import { token } from '../../shared/auth/session';
import { sentence } from '../../shared/graphql/errors';

export const CARD_IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/webp'];
export const MAX_CARD_IMAGE_BYTES = 2 * 1024 * 1024;

export type UploadOutcome =
  { ok: true; imageUrl: string } | { ok: false; field: 'image' | 'alt' | null; message: string };

/** `PUT /media/cards/{id}?alt=…` with the picture as the body; refusals name the field at fault. */
export async function uploadCardImage(cardId: string, file: Blob, alt: string): Promise<UploadOutcome> {
  let response: Response;
  try {
    response = await fetch(`/media/cards/${encodeURIComponent(cardId)}?alt=${encodeURIComponent(alt)}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token.value ?? ''}`, 'content-type': file.type },
      body: file,
    });
  } catch {
    return { ok: false, field: null, message: 'Kinflow could not be reached. The picture was not saved.' };
  }
  const reply = (await response.json().catch(() => null)) as {
    data?: { imageUrl: string };
    error?: { code: string; message: string; field?: string };
  } | null;
  if (response.ok && reply?.data) return { ok: true, imageUrl: reply.data.imageUrl };
  const field = reply?.error?.field === 'alt' || reply?.error?.field === 'image' ? reply.error.field : null;
  return {
    ok: false,
    field,
    message: reply?.error ? sentence(reply.error.message) : `The picture was not saved (${response.status}).`,
  };
}
