import fs from 'node:fs';
import path from 'node:path';

/**
 * The data folder holds the database and the secret key: owner-only (0700 folder, 0600 files).
 * SQLite creates its -wal and -shm files with the database file's mode, so creating that file 0600
 * before SQLite opens it covers all three.
 */
export function prepareDataFiles(dataDir: string, sqlitePath: string): void {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dataDir, 0o700);
  if (sqlitePath === ':memory:') return;
  fs.mkdirSync(path.dirname(sqlitePath), { recursive: true, mode: 0o700 });
  if (!fs.existsSync(sqlitePath)) fs.writeFileSync(sqlitePath, '', { mode: 0o600, flag: 'wx' });
  for (const file of [sqlitePath, `${sqlitePath}-wal`, `${sqlitePath}-shm`])
    if (fs.existsSync(file)) fs.chmodSync(file, 0o600);
}
