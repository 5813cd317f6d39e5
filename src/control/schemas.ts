// Request-side schemas shared by several resources (path parameters, pagination).
import { z } from 'zod';
import { FUNCTION_NAME } from '../config/schema.ts';

export const TENANT_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

export const functionNameParam = z.string().regex(FUNCTION_NAME, 'a function name is 1-63 characters of a-z, 0-9 and "-", starting with a letter');
export const tenantIdParam = z.string().regex(TENANT_ID, 'a tenant id is 1-63 characters of a-z, 0-9 and "-", starting with a letter or digit');
export const secretNameParam = z.string().regex(SECRET_NAME, 'a secret name is an environment-variable identifier: letters, digits and "_", not starting with a digit, at most 128 characters');
/** Version and token ids are looked up, not parsed: an unknown one is a 404, a silly one is a 422. */
export const idParam = z.string().min(1).max(128);

export const PAGE_LIMIT_MAX = 200;
export const pageQuery = z.object({
  cursor: z.string().max(4096).optional().describe('nextCursor of the previous page'),
  limit: z.coerce.number().int().min(1).max(PAGE_LIMIT_MAX).default(50).describe('page size, 1..200'),
});

export function pageOptions(q: { cursor?: string | undefined; limit: number }): { cursor: string | null; limit: number } {
  return { cursor: q.cursor ?? null, limit: q.limit };
}
