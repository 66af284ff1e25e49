import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../config/index.js';

/** Another live server holds the data folder. */
export class DataFolderLockedError extends ConfigError {
  override name = 'DataFolderLockedError';
}

/** Locks this process holds: its own pid in a lock file is stale (a restarted container's pid 1) unless listed here. */
const held = new Set<string>();

export interface DataLock {
  file: string;
  release(): void;
}

/**
 * One server per SQLite database: an exclusive lock file next to it, holding the owner's pid, created
 * with O_EXCL before anything reads the database (a second server would otherwise resume the first
 * one's waits). A lock whose pid is no longer alive (a crash, SIGKILL) is taken over at once, so a
 * restart is never refused; a time-based staleness rule (as lock libraries use) would refuse it.
 */
export function lockDataFolder(sqlitePath: string): DataLock {
  const file = path.resolve(`${sqlitePath}.lock`);
  if (held.has(file)) {
    throw new DataFolderLockedError(
      `the data folder ${path.dirname(file)} is already in use by this process`,
    );
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      fs.writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      held.add(file);
      return {
        file,
        release: () => {
          held.delete(file);
          // Only our own lock: a server that took over a lock it thought stale must keep it.
          if (ownerOf(file) === process.pid) fs.rmSync(file, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = ownerOf(file);
    if (owner !== undefined && owner !== process.pid && alive(owner)) {
      throw new DataFolderLockedError(
        `the data folder ${path.dirname(file)} is in use by another Kinflow server (pid ${owner}); ` +
          `stop it first, or give this one its own KINFLOW_DATA_DIR (lock file ${file})`,
      );
    }
    // Stale (its process is gone) or unreadable half-written: remove it and try to create it again.
    fs.rmSync(file, { force: true });
  }
  throw new DataFolderLockedError(`could not take the lock ${file}: another server keeps racing for it`);
}

function ownerOf(file: string): number | undefined {
  try {
    const pid = Number.parseInt(fs.readFileSync(file, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else, so it is alive.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
