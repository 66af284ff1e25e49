// Public face of outbound HTTP safety: every request Kinflow sends to a user-supplied URL goes through here.
export {
  classifyAddress,
  EMPTY_OUTBOUND_POLICY,
  isAddressAllowlisted,
  isHostAllowlisted,
  parseOutboundAllowlist,
  type AddressVerdict,
  type OutboundCidr,
  type OutboundPolicy,
} from './address-policy.js';
export {
  OutboundBlockedError,
  OutboundPolicyError,
  OutboundRequestError,
  type OutboundBlockReason,
  type OutboundFailureCode,
} from './errors.js';
export type { OutboundTlsOptions } from './pinned-agent.js';
export {
  DEFAULT_MAX_REDIRECTS,
  DEFAULT_MAX_RESPONSE_BYTES,
  DEFAULT_TIMEOUT_MS,
  safeFetch,
  type SafeFetchInit,
  type SafeFetchOptions,
  type SafeFetchResponse,
} from './safe-fetch.js';
export {
  systemResolver,
  vetOutboundUrl,
  type OutboundResolver,
  type ResolvedAddress,
  type VettedTarget,
} from './target.js';
