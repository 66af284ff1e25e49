import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

/** Test files that need a real outside service, and how to tell whether this machine has it. */
const SERVICES = [
  {
    name: 'OpenSSH server (/usr/sbin/sshd; Debian package openssh-server)',
    files: ['src/ssh/run-command.test.ts', 'src/steps/command.test.ts', 'test/actions-api.test.ts'],
    available: async () => fs.existsSync('/usr/sbin/sshd'),
  },
  {
    name: 'MQTT broker at 127.0.0.1:1883 (Debian package mosquitto)',
    files: ['src/telemetry/mqtt.test.ts', 'test/mqtt.test.ts'],
    available: () => reachable(new URL(process.env.MQTT_TEST_URL ?? 'mqtt://127.0.0.1:1883')),
  },
];

function reachable(url: URL): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: url.hostname, port: Number(url.port || 1883), timeout: 1000 });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

export default defineConfig(async () => {
  // On a developer machine without a service its tests are left out, loudly; CI must have them all,
  // so there a missing service fails its tests instead of passing quietly.
  const exclude: string[] = [];
  if (!process.env.CI) {
    for (const service of SERVICES) {
      if (await service.available()) continue;
      exclude.push(...service.files);
      console.warn(`\n⚠ skipping ${service.files.length} test files: no ${service.name}\n`);
    }
  }
  return {
    // Node loads graphql's CommonJS entry for the server's dependencies; the tests must use the same
    // copy or graphql-js refuses types "from another module or realm".
    resolve: { alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }] },
    test: {
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      exclude: ['**/node_modules/**', ...exclude],
      testTimeout: 20000,
      hookTimeout: 30000,
      pool: 'forks' as const,
    },
  };
});
