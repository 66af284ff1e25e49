import { randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/better-sqlite';
import type { KinflowConfig } from '../config/index.js';
import { ApiKey, User } from '../db/entities/index.js';
import { API_KEY_SCOPES } from '../db/entities/index.js';
import { hashToken } from './tokens.js';
import { createApiKey, createUser } from './service.js';

export interface BootstrapCredentials {
  adminEmail: string;
  /** Only known when this start created the admin (from configuration or generated). */
  adminPassword?: string;
  /** Only known when this start created the key (from configuration or generated). */
  apiKey?: string;
  created: boolean;
}

/**
 * On the first start, creates the first admin and a full-scope API key, from configuration when
 * given, otherwise generated (and printed once by the caller). Later starts change nothing, except
 * that a configured API key that is missing is added, so scripted deployments can rely on it.
 */
export async function bootstrapIdentity(
  em: EntityManager,
  config: KinflowConfig,
): Promise<BootstrapCredentials> {
  const existingAdmin = await em.findOne(User, { role: 'admin' }, { orderBy: { createdAt: 'asc' } });
  let created = false;
  let adminEmail = existingAdmin?.email ?? config.adminEmail ?? 'admin@kinflow.local';
  let adminPassword: string | undefined;
  if (!existingAdmin) {
    adminPassword = config.adminPassword ?? randomBytes(12).toString('base64url');
    adminEmail = (
      await createUser(em, {
        email: adminEmail,
        name: 'Administrator',
        role: 'admin',
        password: adminPassword,
      })
    ).email;
    created = true;
  }
  let apiKey: string | undefined;
  if (config.apiKey) {
    if (!(await em.findOne(ApiKey, { tokenHash: hashToken(config.apiKey) }))) {
      apiKey = (
        await createApiKey(em, { name: 'Configured key', scopes: [...API_KEY_SCOPES], token: config.apiKey })
      ).token;
    } else {
      apiKey = config.apiKey;
    }
  } else if (created) {
    apiKey = (await createApiKey(em, { name: 'First key', scopes: [...API_KEY_SCOPES] })).token;
  }
  return { adminEmail, adminPassword, apiKey, created };
}
