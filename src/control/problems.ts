// Problem factories for the admin API: one place for the stable codes and the hints that say what
// to do next, so handlers stay short and every error reads the same way.
import { Problem } from '../shared/problem.ts';

export function invalidRequest(errors: string[], detail = 'The request does not match the API contract.', hint = 'Fix the fields listed in `errors` and send the request again.'): Problem {
  return new Problem(422, 'invalid-request', detail, { hint, extensions: { errors } });
}

export function invalidConfig(errors: string[], detail = 'The function configuration is not valid.', hint = 'Fix the fields listed in `errors` (paths are relative to the request body) and deploy again.'): Problem {
  return new Problem(422, 'invalid-config', detail, { hint, extensions: { errors } });
}

export function functionNotFound(tenant: string, name: string): Problem {
  return new Problem(404, 'function-not-found', `No function "${name}" exists in tenant "${tenant}".`, {
    hint: 'List functions with `cairn ls` (GET /api/v1/functions), or deploy it with `cairn deploy <entry> --name ' + name + '`.',
  });
}

export function versionNotFound(name: string, version: string): Problem {
  return new Problem(404, 'version-not-found', `Function "${name}" has no version "${version}".`, {
    hint: `List its versions with GET /api/v1/functions/${name}/versions.`,
  });
}

export function notFound(detail: string, hint: string): Problem {
  return new Problem(404, 'not-found', detail, { hint });
}

export function forbidden(detail: string, hint: string): Problem {
  return new Problem(403, 'forbidden', detail, { hint });
}

export function conflict(detail: string, hint: string): Problem {
  return new Problem(409, 'conflict', detail, { hint });
}

export function unauthorized(detail: string, hint = 'Send `Authorization: Bearer <token>` (the CLI reads CAIRN_TOKEN or --token).'): Problem {
  return new Problem(401, 'unauthorized', detail, { hint });
}

export function tooLarge(detail: string, hint: string): Problem {
  return new Problem(413, 'payload-too-large', detail, { hint });
}
