export { createHttpApi } from './create-http-api.js';
export type { HttpApiOptions, ServeHttpApiOptions } from './http-api-options.js';
export { HTTP_STATUS, HttpRequestError } from './http-errors.js';
export { openApiDocument } from './openapi-document.js';
export { type RunningHttpApi, serveHttpApi } from './serve-http-api.js';
