import { randomInt } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/better-sqlite';
import { DevicePairing, type Device } from '../db/entities/index.js';
import { displayPrefix, generateToken, hashToken } from '../auth/tokens.js';

/** Pairing codes are valid this long and work once. */
export const PAIRING_TTL_MS = 10 * 60_000;
// No 0/O, 1/I/L: the code is read off a screen and may be typed by hand.
const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

/** The link a tablet opens to pair itself (shown as text and as a QR code). */
export const pairingLink = (publicUrl: string, code: string) =>
  `${publicUrl}/tablet/pair?code=${encodeURIComponent(code)}`;

export const normaliseCode = (code: string) => code.toUpperCase().replace(/[^A-Z0-9]/g, '');

export async function createPairing(
  em: EntityManager,
  device: Device,
  now = new Date(),
): Promise<{ code: string; expiresAt: Date }> {
  const raw = Array.from({ length: 8 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
  const expiresAt = new Date(now.getTime() + PAIRING_TTL_MS);
  em.create(DevicePairing, { device, codeHash: hashToken(raw), expiresAt });
  await em.flush();
  return { code: `${raw.slice(0, 4)}-${raw.slice(4)}`, expiresAt };
}

export type PairingResult =
  | { ok: true; device: Device; token: string }
  | { ok: false; reason: 'unknown' | 'used' | 'expired' | 'revoked' };

/**
 * Exchanges a code for a new device token. The code is spent in a conditional update, so two tablets
 * racing with one code cannot both win; the tablet's previous token stops working.
 */
export async function exchangePairing(
  em: EntityManager,
  code: string,
  now = new Date(),
): Promise<PairingResult> {
  const pairing = await em.findOne(
    DevicePairing,
    { codeHash: hashToken(normaliseCode(code)) },
    { populate: ['device'] },
  );
  if (!pairing) return { ok: false, reason: 'unknown' };
  if (pairing.usedAt) return { ok: false, reason: 'used' };
  if (pairing.expiresAt.getTime() <= now.getTime()) return { ok: false, reason: 'expired' };
  if (pairing.device.revokedAt) return { ok: false, reason: 'revoked' };
  const spent = await em.nativeUpdate(DevicePairing, { id: pairing.id, usedAt: null }, { usedAt: now });
  if (spent !== 1) return { ok: false, reason: 'used' };
  const token = generateToken('device');
  const device = pairing.device;
  device.tokenHash = hashToken(token);
  device.tokenPrefix = displayPrefix(token);
  await em.flush();
  return { ok: true, device, token };
}

/** Revokes a tablet: its token stops working and its unused codes die with it. */
export async function revokeDevice(em: EntityManager, device: Device, now = new Date()): Promise<Device> {
  device.revokedAt ??= now;
  await em.nativeUpdate(DevicePairing, { device: device.id, usedAt: null }, { usedAt: now });
  await em.flush();
  return device;
}
