import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { rawDatabase } from '../engine/sqlite.js';
import { openDatabase, type Orm } from './orm.js';
import { WalCheckpointer, type CheckpointResult } from './wal-checkpointer.js';

let orm: Orm | undefined;
let dir: string;
afterEach(async () => {
  await orm?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function setup() {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinflow-wal-'));
  const file = path.join(dir, 'kinflow.sqlite');
  orm = await openDatabase(file);
  const db = await rawDatabase(orm);
  db.exec('create table blobs (id integer primary key, body blob)');
  const insert = db.prepare('insert into blobs (body) values (?)');
  const writeMegabytes = (mb: number) =>
    db.transaction(() => {
      for (let i = 0; i < mb * 16; i++) insert.run(Buffer.alloc(64 * 1024, i));
    })();
  return { db, file, writeMegabytes, walSize: () => fs.statSync(`${file}-wal`).size };
}

const nextCheckpoint = (checkpointer: WalCheckpointer) =>
  new Promise<CheckpointResult>((resolve) => {
    const off = checkpointer.onCheckpoint((result) => {
      off();
      resolve(result);
    });
  });

describe('WAL checkpoints in a worker', () => {
  it('keeps the main connection from checkpointing and the WAL from growing', async () => {
    const { db, file, writeMegabytes, walSize } = await setup();
    const checkpointer = WalCheckpointer.start(db, file, { intervalMs: 20 });
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    for (let round = 0; round < 8; round++) {
      writeMegabytes(4);
      // Wait until a checkpoint that ran after this write has copied everything (the first result
      // may already have been on its way), so the next write reuses the WAL from the start.
      await nextCheckpoint(checkpointer);
      for (let result = await nextCheckpoint(checkpointer); result.checkpointed < result.log;) {
        result = await nextCheckpoint(checkpointer);
      }
    }
    // 32 MB were written; a WAL that was never checkpointed would be at least that large.
    expect(walSize()).toBeLessThan(12 * 1024 * 1024);
    await checkpointer.stop();
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
  });

  it('with startAfterWalBytes, starts its worker only once the WAL has grown that far', async () => {
    const { db, file, writeMegabytes, walSize } = await setup();
    const threshold = 2 * 1024 * 1024;
    expect(walSize()).toBeLessThan(threshold);
    const checkpointer = WalCheckpointer.start(db, file, { intervalMs: 20, startAfterWalBytes: threshold });
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(checkpointer.last).toBeNull(); // no worker yet, so no checkpoint has run
    writeMegabytes(4);
    for (let result = await nextCheckpoint(checkpointer); result.checkpointed < result.log;) {
      result = await nextCheckpoint(checkpointer);
    }
    await checkpointer.stop();
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
  });

  it('stopped before its worker started, it gives checkpoints back to the main connection', async () => {
    const { db, file } = await setup();
    const checkpointer = WalCheckpointer.start(db, file, { startAfterWalBytes: 1024 * 1024 * 1024 });
    await checkpointer.stop();
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
  });

  it('without it, the same writes leave a WAL as large as everything written', async () => {
    const { db, writeMegabytes, walSize } = await setup();
    db.pragma('wal_autocheckpoint = 0');
    for (let round = 0; round < 8; round++) writeMegabytes(4);
    expect(walSize()).toBeGreaterThan(30 * 1024 * 1024);
    db.pragma('wal_autocheckpoint = 1000');
  });
});
