// Public face of the SSH command runner used by the `command` step.
export {
  SshAbortedError,
  SshAuthError,
  SshConnectionError,
  SshUnreachableError,
  SshError,
  SshHostKeyError,
  SshTimeoutError,
} from './errors.js';
export { normalizeFingerprint, sha256Fingerprint } from './fingerprint.js';
export {
  DEFAULT_MAX_OUTPUT_BYTES,
  runSshCommand,
  type SshCommandOptions,
  type SshCommandResult,
  type SshHostKeyPolicy,
} from './run-command.js';
