import type { ContractRegistry } from '@choreo/contracts';

/** A registry request that returned an unexpected HTTP status. */
export class RegistryHttpError extends Error {
  override name = 'RegistryHttpError';
}

/** A registry response: status, Confluent error code when there is one, and the parsed JSON body. */
export interface RegistryResponse {
  status: number;
  /** `error_code` of a Confluent-style error body, for example 40401 (subject not found). */
  errorCode: number | undefined;
  body: unknown;
}

/** Sends a request through ContractRegistry.request and parses the JSON body, keeping non-JSON text as a string. */
export async function requestRegistry(
  registry: ContractRegistry,
  method: string,
  path: string,
  body?: unknown,
): Promise<RegistryResponse> {
  const response = await registry.request(method, path, body);
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Proxies and wrong base URLs return HTML or plain text, which is kept for the error message.
  }
  const errorCode = (parsed as { error_code?: unknown } | null)?.error_code;
  return {
    status: response.status,
    errorCode: typeof errorCode === 'number' ? errorCode : undefined,
    body: parsed,
  };
}

/** Builds the error for an unexpected response, with the registry's own message. */
export function unexpectedResponse(
  method: string,
  path: string,
  response: RegistryResponse,
): RegistryHttpError {
  const message = (response.body as { message?: unknown } | null)?.message;
  const detail = typeof message === 'string' ? message : String(response.body).slice(0, 200);
  const code = response.errorCode === undefined ? '' : ` (error_code ${response.errorCode})`;
  return new RegistryHttpError(`${method} ${path} returned HTTP ${response.status}${code}: ${detail}`);
}
