import type { EntityManager } from 'typeorm';
import { DomainError } from '../common/errors/domain-error.js';

/** The id of the service `(name, namespace)`; SERVICE_NOT_FOUND (404) when none is known. */
export async function serviceIdOf(
  m: EntityManager,
  name: string,
  namespace: string | null | undefined,
): Promise<string> {
  const rows = await m.query<{ id: string }[]>(
    `SELECT id FROM services WHERE name = $1 AND namespace = $2`,
    [name, namespace ?? ''],
  );
  if (rows.length === 0) {
    throw new DomainError(
      'SERVICE_NOT_FOUND',
      `no service ${namespace ? `${namespace}/` : ''}${name} is known (services appear with their first event)`,
      { httpStatus: 404 },
    );
  }
  return String(rows[0].id);
}
