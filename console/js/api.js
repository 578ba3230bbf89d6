// The REST API of the gateway, with the operator's bearer token.
//
// The token lives in sessionStorage only: it survives a reload of this tab,
// never reaches localStorage, a cookie or a URL, and is gone when the tab
// closes. It goes out only in the Authorization header, to this origin.

const TOKEN_KEY = 'opsbrain.console.token';

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(value) {
  sessionStorage.setItem(TOKEN_KEY, value);
}

export function forgetToken() {
  sessionStorage.removeItem(TOKEN_KEY);
}

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

// What an error means for the operator, in words, with the gateway's own
// message and the HTTP status.
function explain(status, message, retryAfter) {
  const said = message ? ` The gateway said: “${message}”.` : '';
  switch (status) {
    case 400: return `The input was refused (400).${said}`;
    case 401: return `The token was not accepted (401): sign in again.${said}`;
    case 403: return `Not allowed with this token (403 Forbidden).${said}`;
    case 404: return `Not found (404).${said}`;
    case 409:
    case 412:
      return `Someone else changed this record after you loaded it (${status}` +
          `${status === 412 ? ' Precondition Failed' : ' Conflict'}), so ` +
          `nothing was saved. Reload to see the current version, then ` +
          `make your change again.${said}`;
    case 429:
      return `Too many requests for this token (429); try again in ` +
          `${retryAfter || 'a few'} s.`;
    case 503: return `The storage service is unavailable (503).${said}`;
    default: return `The request failed (${status}).${said}`;
  }
}

let onUnauthenticated = () => {};
export function setUnauthenticatedHandler(handler) {
  onUnauthenticated = handler;
}

// One call. `query` is an object of parameters (empty ones dropped);
// `etag` goes as If-Match. Resolves to the parsed JSON body and the ETag.
export async function call(method, path, {query, body, etag} = {}) {
  const current = token();
  if (!current) {
    onUnauthenticated();
    throw new ApiError(401, 16, 'Not signed in.');
  }
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== '') params.append(name, String(value));
  }
  const queryText = params.toString();
  const target = queryText ? `${path}?${queryText}` : path;
  const headers = {Authorization: `Bearer ${current}`, Accept: 'application/json'};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (etag) headers['If-Match'] = `"${etag}"`;
  let response;
  try {
    response = await fetch(target, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
      credentials: 'omit',
      referrerPolicy: 'no-referrer',
    });
  } catch (error) {
    throw new ApiError(0, 14, `The gateway cannot be reached (${error.message}).`);
  }
  const text = await response.text();
  let data = {};
  try {
    data = text ? JSON.parse(text) : {};
  } catch {
    data = {message: ''};
  }
  if (!response.ok) {
    const error = new ApiError(response.status, data.code,
        explain(response.status, data.message, response.headers.get('Retry-After')));
    if (response.status === 401) onUnauthenticated(error);
    throw error;
  }
  return data;
}

export const get = (path, query) => call('GET', path, {query});

// Every item of a list route, page after page, up to `limit` items.
export async function listAll(path, field, query = {}, limit = 10000) {
  const items = [];
  let pageToken = '';
  do {
    const page = await get(path, {...query, pageSize: 1000, pageToken});
    items.push(...(page[field] || []));
    pageToken = page.nextPageToken || '';
  } while (pageToken && items.length < limit);
  return items;
}

export function segment(value) {
  return encodeURIComponent(value);
}
