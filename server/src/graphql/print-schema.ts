// Prints the schema to ../schema.graphql; with --check, fails when the checked-in file is stale.
import fs from 'node:fs';
import { printSchema } from 'graphql';
import { buildSchema } from './schema.js';

const target = new URL('../../../schema.graphql', import.meta.url).pathname;
const printed = `${printSchema(buildSchema())}\n`;

if (process.argv.includes('--check')) {
  const current = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : '';
  if (current !== printed) {
    console.error('schema.graphql is stale: run `pnpm schema:print` and commit the result.');
    process.exit(1);
  }
  console.log('schema.graphql is up to date.');
} else {
  fs.writeFileSync(target, printed);
  console.log(`wrote ${target}`);
}
