import { createRequire } from 'node:module';
import path from 'node:path';
import type * as Migrations from '@mikro-orm/migrations';

// The base class of our migrations, MikroORM's own. `@mikro-orm/migrations` as a package loads its
// Migrator, and with it umzug's command line (ajv, @rushstack/*): about a tenth of a cold start. The
// class alone lives in its own file of that package (pinned, 6.6.16); its exports map hides it, so it is
// required by path. Migrator (tests, `pnpm migration:create`) runs these classes unchanged.
const require = createRequire(import.meta.url);
const packageDir = path.dirname(require.resolve('@mikro-orm/migrations'));

export const Migration = (require(path.join(packageDir, 'Migration.js')) as typeof Migrations).Migration;
export type Migration = InstanceType<typeof Migration>;
