/** Why a target was refused before any connection was made. */
export type OutboundBlockReason = 'invalid_url' | 'scheme' | 'blocked_host' | 'blocked_address';

/**
 * The policy refused a target: bad scheme, a name that is internal by definition, or an address outside
 * public unicast space. `address` is the offending IP when the refusal came from address classification.
 */
export class OutboundBlockedError extends Error {
  override name = 'OutboundBlockedError';
  constructor(
    readonly reason: OutboundBlockReason,
    readonly url: string,
    message: string,
    readonly address?: string,
    /** 0 for the URL the caller gave, n for the n-th redirect. */
    readonly hop = 0,
  ) {
    super(message);
  }
}

export type OutboundFailureCode =
  'timeout' | 'aborted' | 'too_large' | 'too_many_redirects' | 'bad_redirect' | 'dns' | 'network';

/** The target was allowed but the exchange failed: timeout, oversized body, redirect loop, network error. */
export class OutboundRequestError extends Error {
  override name = 'OutboundRequestError';
  constructor(
    readonly code: OutboundFailureCode,
    readonly url: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A `KINFLOW_OUTBOUND_ALLOW` entry that is neither a host name, an IP address nor a CIDR. */
export class OutboundPolicyError extends Error {
  override name = 'OutboundPolicyError';
  constructor(
    readonly entry: string,
    message: string,
  ) {
    super(message);
  }
}
