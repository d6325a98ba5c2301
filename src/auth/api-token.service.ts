import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, IsNull, type Repository } from 'typeorm';
import { DomainError, badInput } from '../common/errors/domain-error.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/config.schema.js';
import { ApiTokenEntity, SCOPES, type Scope } from './api-token.entity.js';
import type { Principal } from './principal.js';

/**
 * How long a verified token is trusted without looking at the database again, so how long a
 * token revoked on another replica keeps working there. Tokens with the admin scope are never
 * cached: their revocation takes effect on every replica at the next request.
 */
export const TOKEN_CACHE_TTL_MS = 5_000;
/** Unknown tokens are remembered (as unknown) this long, so a flood of them costs no queries. */
const UNKNOWN_TTL_MS = 30_000;
/** Entries per cache; the known and unknown caches are bounded apart, so neither evicts the other. */
const CACHE_SIZE = 10_000;
/** Longest token name, in characters. */
export const MAX_TOKEN_NAME_LENGTH = 200;
/** last_used_at is written at most this often per token. */
const TOUCH_INTERVAL_MS = 60_000;

export const hashToken = (token: string): string =>
  createHash('sha256').update(token).digest('hex');

@Injectable()
export class ApiTokenService {
  private readonly tokens: Repository<ApiTokenEntity>;
  private readonly known = new Map<string, { principal: Principal; until: number }>();
  private readonly unknown = new Map<string, number>();
  private readonly touched = new Map<string, number>();
  private readonly bootstrapHash?: Buffer;

  constructor(dataSource: DataSource, @Inject(APP_CONFIG) config: AppConfig) {
    this.tokens = dataSource.getRepository(ApiTokenEntity);
    if (config.bootstrapToken)
      this.bootstrapHash = Buffer.from(hashToken(config.bootstrapToken), 'hex');
  }

  async create(name: string, scopes: Scope[]): Promise<{ token: string; entity: ApiTokenEntity }> {
    if (name.trim() === '') throw badInput('token name must not be empty');
    if (name.length > MAX_TOKEN_NAME_LENGTH)
      throw badInput(`token name must have at most ${MAX_TOKEN_NAME_LENGTH} characters`);
    const unique = [...new Set(scopes)];
    if (unique.length === 0) throw badInput(`give at least one scope of ${SCOPES.join(', ')}`);
    const token = `sw_${randomBytes(24).toString('base64url')}`;
    const entity = await this.tokens.save(
      this.tokens.create({
        name: name.trim(),
        scopes: unique,
        tokenHash: hashToken(token),
        tokenPrefix: token.slice(0, 7),
      }),
    );
    return { token, entity };
  }

  list(): Promise<ApiTokenEntity[]> {
    return this.tokens.find({ order: { id: 'ASC' } });
  }

  async revoke(id: string): Promise<ApiTokenEntity> {
    const entity = /^\d+$/.test(id) ? await this.tokens.findOneBy({ id }) : null;
    if (!entity)
      throw new DomainError('TOKEN_NOT_FOUND', `API token ${id} does not exist`, {
        httpStatus: 404,
      });
    if (!entity.revokedAt) {
      entity.revokedAt = new Date();
      await this.tokens.update({ id, revokedAt: IsNull() }, { revokedAt: entity.revokedAt });
    }
    this.known.delete(entity.tokenHash);
    return entity;
  }

  /** The principal of a token known without a query (bootstrap, cached), else undefined. */
  cached(token: string, now = Date.now()): Principal | undefined {
    return this.cachedByHash(hashToken(token), now);
  }

  private cachedByHash(hash: string, now: number): Principal | undefined {
    if (this.bootstrapHash && timingSafeEqual(Buffer.from(hash, 'hex'), this.bootstrapHash)) {
      return { kind: 'bootstrap', name: 'bootstrap', scopes: ['admin'] };
    }
    const cached = this.known.get(hash);
    return cached && cached.until > now ? cached.principal : undefined;
  }

  /** The principal behind a bearer token, or null when the token is unknown or revoked. */
  async authenticate(token: string, now = Date.now()): Promise<Principal | null> {
    const hash = hashToken(token);
    const cached = this.cachedByHash(hash, now);
    if (cached) return cached;
    // A token becomes known only by being created here, from fresh random bytes: an unknown one
    // stays unknown, and remembering it as such is safe.
    if ((this.unknown.get(hash) ?? 0) > now) return null;
    const entity = await this.tokens.findOneBy({ tokenHash: hash, revokedAt: IsNull() });
    if (!entity) {
      remember(this.unknown, hash, now + UNKNOWN_TTL_MS);
      this.known.delete(hash);
      return null;
    }
    const principal: Principal = {
      kind: 'token',
      tokenId: entity.id,
      name: entity.name,
      scopes: entity.scopes,
    };
    if (!principal.scopes.includes('admin'))
      remember(this.known, hash, { principal, until: now + TOKEN_CACHE_TTL_MS });
    await this.touch(entity.id, now);
    return principal;
  }

  private async touch(id: string, now: number): Promise<void> {
    if ((this.touched.get(id) ?? 0) + TOUCH_INTERVAL_MS > now) return;
    this.touched.set(id, now);
    await this.tokens.update({ id }, { lastUsedAt: new Date(now) });
  }
}

/** Sets `key`, first dropping the oldest entry when the map is full (Maps keep insertion order). */
function remember<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  if (map.size >= CACHE_SIZE) map.delete(map.keys().next().value!);
  map.set(key, value);
}
