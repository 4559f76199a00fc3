// A test client of a running HTTP API that checks every response it gets against the server's own OpenAPI document:
// the status must be documented for the route, and the body (each line of JSON Lines) must match its schema. The
// document then cannot drift from what the code answers. Used by this package's tests and by `astrocyte serve`'s.
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS: its function is the module itself under NodeNext.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

/** A response as the test sees it: status, headers, and the body parsed (JSON, JSON Lines as an array, or text). */
export interface ApiResponse {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: tests read whichever fields the route returns.
  body: any;
}

/** What one request sends besides its method and path. */
export interface ApiRequest {
  /** JSON-encoded unless a string (sent as is). */
  body?: unknown;
  headers?: Record<string, string>;
  /** Overrides the client's token; null sends none. */
  token?: string | null;
}

/** A client bound to a base URL and a token. */
export interface ApiClient {
  request(method: string, path: string, request?: ApiRequest): Promise<ApiResponse>;
  /** The same server with another token (null: none). */
  as(token: string | null): ApiClient;
  document: Record<string, unknown>;
}

/** Fetches the OpenAPI document with `token` and returns a client that checks every response against it. */
export async function apiClient(baseUrl: string, token: string | null): Promise<ApiClient> {
  const fetched = await fetch(`${baseUrl}/openapi.json`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  if (fetched.status !== 200) throw new Error(`GET /openapi.json answered ${fetched.status}: ${await fetched.text()}`);
  const document = (await fetched.json()) as Record<string, unknown>;
  const check = responseChecker(document);
  const bound = (current: string | null): ApiClient => ({
    document,
    as: (other) => bound(other),
    async request(method, path, request = {}) {
      const chosen = request.token === undefined ? current : request.token;
      const headers: Record<string, string> = {
        ...(request.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(chosen ? { authorization: `Bearer ${chosen}` } : {}),
        ...request.headers,
      };
      const body =
        request.body === undefined || typeof request.body === 'string' ? request.body : JSON.stringify(request.body);
      const response = await fetch(`${baseUrl}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
      return check(method, path, response);
    },
  });
  return bound(token);
}

/** What a real OpenAPI validator finds wrong with `document` (nothing: an empty list), and the version it read. */
export async function openApiProblems(
  document: Record<string, unknown>,
): Promise<{ version: string; errors: unknown[] }> {
  const validator = new Validator();
  const result = await validator.validate(structuredClone(document));
  const errors = result.valid ? [] : Array.isArray(result.errors) ? result.errors : [result.errors];
  return { version: validator.version, errors };
}

/** Reads a response and checks it against the document: its status is one the route documents, its body the schema. */
export function responseChecker(
  document: Record<string, unknown>,
): (method: string, path: string, response: Response) => Promise<ApiResponse> {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(document, 'openapi.json');
  const paths = document.paths as Record<string, Record<string, { responses: Record<string, unknown> }>>;
  const templates = Object.keys(paths).map((template) => ({
    template,
    pattern: new RegExp(`^${template.replace(/\{\w+\}/g, '[^/]+')}$`),
  }));

  return async (method, path, response) => {
    const text = await response.text();
    const type = response.headers.get('content-type') ?? '';
    const contentType = type.split(';')[0] as string;
    const pathname = new URL(path, 'http://localhost').pathname;
    const template = templates.find((t) => t.pattern.test(pathname))?.template;
    const operation = template ? paths[template]?.[method.toLowerCase()] : undefined;
    let pointer: string;
    if (operation === undefined) {
      // A path or method the API does not have: only the access checks' refusals, 404 and 405 may answer it.
      if (![401, 403, 404, 405].includes(response.status))
        throw new Error(`${method} ${path} is not in the document, yet answered ${response.status}`);
      pointer = '/components/schemas/Error';
    } else {
      if (!(String(response.status) in operation.responses)) {
        throw new Error(`${method} ${template} answered ${response.status}, which the document does not list`);
      }
      const segments = ['paths', template as string, method.toLowerCase(), 'responses', String(response.status)];
      pointer = `/${[...segments, 'content', contentType, 'schema'].map(pointerSegment).join('/')}`;
    }
    const validate = ajv.getSchema(`openapi.json#${pointer}`);
    if (validate === undefined) throw new Error(`${method} ${path}: no schema for ${contentType} at ${pointer}`);
    const body =
      contentType === 'application/x-ndjson'
        ? text
            .split('\n')
            .filter((line) => line !== '')
            .map((line) => JSON.parse(line))
        : contentType === 'application/json'
          ? JSON.parse(text)
          : text;
    for (const value of contentType === 'application/x-ndjson' ? body : [body]) {
      if (!validate(value)) {
        throw new Error(
          `${method} ${path} ${response.status}: the body does not match the document: ${ajv.errorsText(validate.errors)}\n${text.slice(0, 2000)}`,
        );
      }
    }
    return { status: response.status, headers: response.headers, body };
  };
}

// A JSON pointer segment, in a URI fragment.
function pointerSegment(segment: string): string {
  return encodeURIComponent(segment.replace(/~/g, '~0').replace(/\//g, '~1'));
}
