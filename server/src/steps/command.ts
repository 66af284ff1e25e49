import { z } from 'zod';
import { actionServices } from '../actions/services.js';
import { triggerNodeId } from '../channels/message.js';
import { SshAuthError, SshConnectionError, SshHostKeyError, SshTimeoutError } from '../ssh/index.js';
import { defineStepType, MAIN_PORT, SKIP_RULE } from './step-type.js';

/** A failed command run; `code` becomes the run's error code (command_failed, timeout, ssh_host_key …). */
export class CommandFailedError extends Error {
  override name = 'CommandFailedError';
  constructor(
    message: string,
    readonly code = 'command_failed',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** SSH failures get a code of their own, so a run's error tells a bad host key from a timeout. */
const SSH_FAILURE_CODES = [
  [SshTimeoutError, 'timeout'],
  [SshHostKeyError, 'ssh_host_key'],
  [SshAuthError, 'ssh_auth'],
  [SshConnectionError, 'ssh_connection'],
] as const;

function sshFailure(error: unknown): unknown {
  const code = SSH_FAILURE_CODES.find(([type]) => error instanceof type)?.[1];
  return code ? new CommandFailedError((error as Error).message, code, { cause: error }) : error;
}

export default defineStepType({
  type: 'command',
  category: 'action',
  title: 'Run a command (SSH)',
  description:
    'Runs a shell command on a node over SSH with the node’s stored credentials and checks its host key. Exit code 0 continues on Next; any other exit continues on Failed (or fails the step with “fail on non-zero exit”).',
  configSchema: z
    .object({
      nodeId: z.string().optional().describe('Node to run on; the trigger node when empty'),
      command: z.string().min(1).max(8000).describe('Shell command, e.g. "systemctl restart {metric}-agent"'),
      timeoutSeconds: z
        .number()
        .positive()
        .max(600)
        .default(30)
        .describe('Time limit for connecting and running; the connection is closed when it runs out'),
      failOnNonZero: z
        .boolean()
        .default(false)
        .describe('Fail the step (so its error strategy applies) instead of taking the Failed port'),
    })
    .strict(),
  references: [{ path: 'nodeId', entity: 'node' }],
  ports: [
    MAIN_PORT,
    {
      name: 'error',
      label: 'Failed',
      description: `A non-zero exit (always; unless failOnNonZero). ${SKIP_RULE}`,
    },
  ],
  declaredDurationMs: (config) => config.timeoutSeconds * 1000,
  writes: () => ['stdout', 'stderr', 'exitCode', 'durationMs'],
  run: async (context) => {
    const { config, signal, data } = context;
    const services = actionServices(context);
    const nodeId = config.nodeId || triggerNodeId(data);
    if (!nodeId) throw new Error('no node to run on: set nodeId or trigger the flow with a node');
    if (services.dryRun) {
      const node = await services.nodes.get(nodeId);
      return {
        output: {
          dryRun: true,
          wouldRun: {
            nodeId,
            nodeName: node?.name ?? null,
            host: node?.sshHost ?? null,
            command: config.command,
          },
        },
      };
    }
    const result = await services.ssh
      .run(nodeId, config.command, { timeoutMs: config.timeoutSeconds * 1000, signal })
      .catch((error: unknown) => {
        throw sshFailure(error);
      });
    const ok = result.exitCode === 0;
    if (!ok && config.failOnNonZero) {
      const how =
        result.exitCode === null
          ? `was killed (${result.signal ?? 'no exit status'})`
          : `exited with ${result.exitCode}`;
      throw new CommandFailedError(
        `command on "${result.node.name}" ${how}: ${result.stderr.trim().slice(0, 200)}`,
      );
    }
    return {
      output: {
        nodeId: result.node.id,
        nodeName: result.node.name,
        command: config.command,
        ok,
        exitCode: result.exitCode,
        ...(result.signal && { signal: result.signal }),
        stdout: result.stdout,
        stderr: result.stderr,
        // {prev_result} in a following message is the command's output.
        result: result.stdout.trimEnd(),
        durationMs: result.durationMs,
        hostKeyFingerprint: result.hostKeyFingerprint,
        learnedHostKey: result.learnedHostKey,
      },
      ports: [ok ? 'main' : 'error'],
    };
  },
});
