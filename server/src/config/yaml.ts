import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';

// The YAML parser is wanted only for a models file or a YAML bundle, and loading it is a measurable
// share of a cold start: it is required (its CommonJS build, no require(esm)) on first use.
const require = createRequire(import.meta.url);
let yaml: typeof Yaml | undefined;

export const loadYaml = (): typeof Yaml => (yaml ??= require('yaml') as typeof Yaml);
