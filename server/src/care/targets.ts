/** Who an item is for: one tablet, every tablet in a room, or (both null) every tablet. */
export interface Target {
  deviceId: string | null;
  room: string | null;
}

export interface TabletIdentity {
  id: string;
  room: string | null;
}

const norm = (room: string | null | undefined) => (room ?? '').trim().toLowerCase();

export function targets(target: Target, device: TabletIdentity): boolean {
  if (target.deviceId) return target.deviceId === device.id;
  if (target.room) return norm(target.room) === norm(device.room);
  return true;
}

/** A step's `deviceId` may be the raw id or the API's global ID ("Device:…" in base64). */
export function targetFromConfig(config: {
  deviceId?: string | undefined;
  room?: string | undefined;
}): Target {
  const raw = config.deviceId?.trim() || null;
  let deviceId = raw;
  if (raw && !/^[0-9a-f-]{36}$/i.test(raw)) {
    const decoded = Buffer.from(raw, 'base64').toString('utf8');
    if (decoded.startsWith('Device:')) deviceId = decoded.slice('Device:'.length);
  }
  return { deviceId, room: deviceId ? null : config.room?.trim() || null };
}
