import { ApiTokenEntity } from '../auth/api-token.entity.js';

/** Every TypeORM entity; features add theirs here. */
export const ENTITIES = [ApiTokenEntity];
