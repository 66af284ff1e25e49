/** The part of a `ws` WebSocket the registry needs. */
export interface ClosableSocket {
  close(code?: number, reason?: string): void;
  once(event: 'close', listener: () => void): unknown;
}

/** Close code for a tablet whose token was revoked or replaced (graphql-ws does not retry 4403). */
export const REVOKED_CLOSE_CODE = 4403;

/**
 * Live WebSocket connections per tablet: `online` and `lastSeenAt` come from here, and revoking a
 * tablet closes its sockets at once.
 */
export class DeviceConnections {
  private readonly sockets = new Map<string, Set<ClosableSocket>>();
  private readonly lastSeen = new Map<string, Date>();

  constructor(
    private readonly onChange: (deviceId: string, online: boolean, at: Date) => void = () => {},
    private readonly now: () => Date = () => new Date(),
  ) {}

  attach(deviceId: string, socket: ClosableSocket): void {
    let set = this.sockets.get(deviceId);
    if (!set) this.sockets.set(deviceId, (set = new Set()));
    set.add(socket);
    const at = this.now();
    this.lastSeen.set(deviceId, at);
    this.onChange(deviceId, true, at);
    socket.once('close', () => {
      set.delete(socket);
      const left = this.now();
      this.lastSeen.set(deviceId, left);
      if (set.size === 0) {
        this.sockets.delete(deviceId);
        this.onChange(deviceId, false, left);
      }
    });
  }

  online(deviceId: string): boolean {
    return (this.sockets.get(deviceId)?.size ?? 0) > 0;
  }

  onlineIds(): string[] {
    return [...this.sockets.keys()];
  }

  /** When the tablet was last connected: now while online. */
  lastSeenAt(deviceId: string): Date | undefined {
    return this.online(deviceId) ? this.now() : this.lastSeen.get(deviceId);
  }

  close(deviceId: string, reason: string): void {
    for (const socket of this.sockets.get(deviceId) ?? []) socket.close(REVOKED_CLOSE_CODE, reason);
  }

  closeAll(): void {
    for (const id of this.onlineIds()) this.close(id, 'server stopping');
  }
}
