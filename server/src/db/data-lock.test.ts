import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DataFolderLockedError, lockDataFolder } from './data-lock.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});
function sqlitePath() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinflow-lock-'));
  dirs.push(dir);
  return path.join(dir, 'kinflow.sqlite');
}

describe('data-folder lock', () => {
  it('refuses a second lock while the first is held, and frees the folder on release', () => {
    const file = sqlitePath();
    const lock = lockDataFolder(file);
    expect(fs.readFileSync(lock.file, 'utf8').trim()).toBe(String(process.pid));
    expect(() => lockDataFolder(file)).toThrow(DataFolderLockedError);
    lock.release();
    expect(fs.existsSync(lock.file)).toBe(false);
    lockDataFolder(file).release();
  });

  it('refuses a lock held by another live process, naming its pid', () => {
    const file = sqlitePath();
    // The parent of this test process is alive for as long as the test runs.
    fs.writeFileSync(`${file}.lock`, `${process.ppid}\n`);
    expect(() => lockDataFolder(file)).toThrow(new RegExp(`pid ${process.ppid}`));
  });

  it('takes over a lock left by a process that is gone', () => {
    const file = sqlitePath();
    fs.writeFileSync(`${file}.lock`, '2147483646\n');
    const lock = lockDataFolder(file);
    expect(fs.readFileSync(lock.file, 'utf8').trim()).toBe(String(process.pid));
    lock.release();
  });
});
