/**
 * Response headers of the HTTP edge (ADR 21, docs/security.md "The HTTP edge"). Constants, set by
 * one request hook (`secureAnswers`), and written by hand where Fastify answers before any hook
 * runs (a URL the router cannot decode, a request Node's parser refuses).
 */

/**
 * Every answer of the API except Swagger UI: JSON (or problem+json) that no browser should sniff
 * into HTML, frame, cache or follow with a Referer. `no-store` rather than `private, no-cache`:
 * nothing here is read conditionally (our ETags are versions for If-Match on writes, never
 * answered with a 304), so revalidation would buy nothing, and an answer about one user must not
 * sit in a shared or a browser cache.
 */
export const API_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
});

/**
 * Swagger UI (`/docs`, its assets, `/docs-json`): an HTML page that loads only its own scripts
 * (no inline script: swagger-ui-init.js is a file), its own styles plus the inline `<style>`
 * blocks of its page, images from itself or `data:` URIs, and fetches only from this origin (so
 * `/docs?url=https://elsewhere` cannot make it load a foreign document). Never framed. Its
 * assets keep the Cache-Control @fastify/static gives them.
 */
export const DOCS_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const DOCS_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy': DOCS_CONTENT_SECURITY_POLICY,
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
});

/** Whether a request URL is Swagger UI's (`/docs`, `/docs/...`, `/docs-json`, `/docs-yaml`). */
export function isDocsUrl(url: string): boolean {
  return url.startsWith('/docs') && (url.length === 5 || url[5] === '/' || url[5] === '?' || url.startsWith('/docs-json') || url.startsWith('/docs-yaml'));
}
