import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadOrCreateSecretKey, parseSecretKey, SecretBox, SecretKeyError } from './secret-box.js';

describe('SecretBox', () => {
  const box = new SecretBox(randomBytes(32));

  it('round-trips and never stores the plaintext', () => {
    const sealed = box.seal('-----BEGIN OPENSSH PRIVATE KEY-----');
    expect(sealed).not.toContain('OPENSSH');
    expect(sealed).not.toBe(box.seal('-----BEGIN OPENSSH PRIVATE KEY-----'));
    expect(box.open(sealed)).toBe('-----BEGIN OPENSSH PRIVATE KEY-----');
  });

  it('refuses a tampered value and a different key', () => {
    const sealed = box.seal('hunter2');
    const parts = sealed.split('.');
    parts[3] = Buffer.from('hunter3').toString('base64url');
    expect(() => box.open(parts.join('.'))).toThrow(SecretKeyError);
    expect(() => new SecretBox(randomBytes(32)).open(sealed)).toThrow(/cannot be opened/);
    expect(() => box.open('plain')).toThrow(/not a sealed secret/);
  });

  it('parses hex and base64 keys and rejects other lengths', () => {
    const key = randomBytes(32);
    expect(parseSecretKey(key.toString('hex')).equals(key)).toBe(true);
    expect(parseSecretKey(key.toString('base64')).equals(key)).toBe(true);
    expect(() => parseSecretKey('abcd')).toThrow(SecretKeyError);
  });

  it('creates a private key file once and reuses it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kinflow-key-'));
    const first = loadOrCreateSecretKey(undefined, dir);
    expect(fs.statSync(path.join(dir, 'secret.key')).mode & 0o777).toBe(0o600);
    expect(loadOrCreateSecretKey(undefined, dir).equals(first)).toBe(true);
    fs.rmSync(dir, { recursive: true });
  });
});
