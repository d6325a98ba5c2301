import { Module } from '@nestjs/common';
import { CatalogRepository } from './catalog.repository.js';
import { CatalogResolver } from './catalog.resolver.js';
import { CatalogService } from './catalog.service.js';

/** The service catalog: teams, ownership history, repositories, path globs, environment tiers. */
@Module({ providers: [CatalogRepository, CatalogService, CatalogResolver] })
export class CatalogModule {}
