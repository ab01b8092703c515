import type { ErrorDetail, ValidationError } from '@mm/api-contract';

// One way to fetch the API's JSON; the bodies' types come from `@mm/api-contract`, the ones the API
// itself is checked against.

/** A response that is not a 2xx, or no response at all; `message` is what the page shows. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
  }
}

/**
 * GETs (or sends) JSON. The browser revalidates with the API's ETags by itself, so a refresh of
 * unchanged data costs a `304`.
 *
 * @example
 * const machines = await getJson<Machine[]>('/api/v2/machines');
 */
export async function getJson<T>(path: string, init?: RequestInit): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, { ...init, headers: { Accept: 'application/json', ...init?.headers } });
  } catch {
    throw new ApiError('The API does not answer (network error or server down).', null);
  }
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!res.ok) throw new ApiError(describeError(res.status, body), res.status);
  return body as T;
}

function describeError(status: number, body: unknown): string {
  const detail = (body as Partial<ErrorDetail | ValidationError> | null)?.detail;
  if (typeof detail === 'string') return status === 503 ? `${detail}.` : `${detail} (HTTP ${status}).`;
  if (Array.isArray(detail)) return detail.map((d) => `${d.loc?.at(-1)}: ${d.msg}`).join('; ');
  return `The API answered HTTP ${status}.`;
}

/** A query string from defined values. */
export function query(params: Record<string, string | undefined>): string {
  const entries = Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined);
  return new URLSearchParams(entries).toString();
}
