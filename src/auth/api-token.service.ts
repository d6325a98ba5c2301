import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, IsNull, type Repository } from 'typeorm';
import { DomainError, badInput } from '../common/errors/domain-error.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/config.schema.js';
import { ApiTokenEntity, SCOPES, type Scope } from './api-token.entity.js';
import type { Principal } from './principal.js';

/** How long a verified token is trusted without looking at the database again. */
const CACHE_TTL_MS = 5_000;
/** last_used_at is written at most this often per token. */
const TOUCH_INTERVAL_MS = 60_000;

export const hashToken = (token: string): string =>
  createHash('sha256').update(token).digest('hex');

@Injectable()
export class ApiTokenService {
  private readonly tokens: Repository<ApiTokenEntity>;
  private readonly cache = new Map<string, { principal: Principal | null; until: number }>();
  private readonly touched = new Map<string, number>();
  private readonly bootstrapHash?: Buffer;

  constructor(dataSource: DataSource, @Inject(APP_CONFIG) config: AppConfig) {
    this.tokens = dataSource.getRepository(ApiTokenEntity);
    if (config.bootstrapToken)
      this.bootstrapHash = Buffer.from(hashToken(config.bootstrapToken), 'hex');
  }

  async create(name: string, scopes: Scope[]): Promise<{ token: string; entity: ApiTokenEntity }> {
    if (name.trim() === '') throw badInput('token name must not be empty');
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
    this.cache.delete(entity.tokenHash);
    return entity;
  }

  /** The principal behind a bearer token, or null when the token is unknown or revoked. */
  async authenticate(token: string): Promise<Principal | null> {
    const hash = hashToken(token);
    if (this.bootstrapHash && timingSafeEqual(Buffer.from(hash, 'hex'), this.bootstrapHash)) {
      return { kind: 'bootstrap', name: 'bootstrap', scopes: ['admin'] };
    }
    const now = Date.now();
    const cached = this.cache.get(hash);
    if (cached && cached.until > now) return cached.principal;
    const entity = await this.tokens.findOneBy({ tokenHash: hash, revokedAt: IsNull() });
    const principal: Principal | null = entity
      ? { kind: 'token', tokenId: entity.id, name: entity.name, scopes: entity.scopes }
      : null;
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(hash, { principal, until: now + CACHE_TTL_MS });
    if (entity) await this.touch(entity.id, now);
    return principal;
  }

  private async touch(id: string, now: number): Promise<void> {
    if ((this.touched.get(id) ?? 0) + TOUCH_INTERVAL_MS > now) return;
    this.touched.set(id, now);
    await this.tokens.update({ id }, { lastUsedAt: new Date(now) });
  }
}
