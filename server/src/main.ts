import { startKinflow } from './app.js';
import { ConfigError } from './config/index.js';

try {
  const kinflow = await startKinflow();
  const { credentials, url, config } = kinflow;
  if (!config.quiet) {
    const lines = [
      `Kinflow is running at ${url}`,
      `  app:      ${url}/`,
      `  GraphQL:  ${url}/graphql${config.graphiql ? ' (GraphiQL in the browser)' : ''}`,
      `  REST:     ${url}/v1/flows  (OpenAPI: ${url}/v1/openapi.json)`,
      `  data:     ${config.sqlitePath}`,
    ];
    if (credentials.adminPassword) {
      lines.push('', 'First start: these credentials are shown once.');
      lines.push(`  admin:    ${credentials.adminEmail} / ${credentials.adminPassword}`);
    } else {
      lines.push(`  admin:    ${credentials.adminEmail}`);
    }
    if (credentials.apiKey) lines.push(`  API key:  ${credentials.apiKey}`);
    if (credentials.deviceToken)
      lines.push(`  tablet:   ${credentials.deviceToken}  (Kitchen tablet device token)`);
    if (credentials.pairingUrl)
      lines.push(`  pair:     ${credentials.pairingUrl}  (open on the kitchen tablet within 10 minutes)`);
    console.log(lines.join('\n'));
  }
  const shutdown = (signal: string) => {
    if (!config.quiet) console.log(`${signal}: shutting down`);
    kinflow.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`Configuration error: ${error.message}`);
    process.exit(2);
  }
  throw error;
}
