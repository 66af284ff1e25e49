/** Base class: every failure of runSshCommand is one of the subclasses below. */
export class SshError extends Error {
  // Each subclass is named after its class (the tsc build keeps class names; nothing minifies the server).
  override name = this.constructor.name;
}

/** The server's host key is unknown (and trust-on-first-use is off) or differs from the stored one. */
export class SshHostKeyError extends SshError {
  constructor(
    message: string,
    /** Fingerprint the server presented, when the handshake got that far. */
    readonly presented?: string,
    /** Fingerprint that was stored for the host, if any. */
    readonly expected?: string,
  ) {
    super(message);
  }
}

/** The server rejected every credential offered (or the private key could not be used). */
export class SshAuthError extends SshError {}

/** No SSH session could be established: refused, unreachable, reset, protocol failure. */
export class SshConnectionError extends SshError {
  constructor(
    message: string,
    readonly code?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The time budget ran out; the channel and connection were torn down. */
export class SshTimeoutError extends SshError {
  constructor(readonly timeoutMs: number) {
    super(`SSH command timed out after ${timeoutMs} ms`);
  }
}

/** The caller's AbortSignal fired; the channel and connection were torn down. */
export class SshAbortedError extends SshError {}

/**
 * The target is not allowed by the outbound policy, or refused, reset or unreachable: one message for
 * all, so a flow author cannot map which LAN ports are open.
 */
export class SshUnreachableError extends SshConnectionError {
  constructor(target: string, options?: { cause?: unknown }) {
    super(
      `SSH target of ${target} is not reachable or not allowed (private hosts must be listed in KINFLOW_OUTBOUND_ALLOW)`,
      'unreachable',
      options,
    );
  }
}
