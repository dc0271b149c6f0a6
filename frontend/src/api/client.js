/**
 * The one HTTP client of the app. Views and stores never call fetch() themselves.
 *
 * - same-origin requests with the session cookie;
 * - an X-CSRF-Token header on every POST/PUT/PATCH/DELETE (token from GET /api/auth/csrf),
 *   re-fetched and retried once when the server says the token is missing or stale;
 * - JSON in and out, FormData for uploads;
 * - every failure becomes an ApiError {status, message, fields, details} (details: the error body's other
 *   keys, e.g. the nearest free times of a 409 on a booking);
 * - a 401 (except on login) calls the handler installed with onUnauthorized().
 */

const API_BASE = '/api'
const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

export class ApiError extends Error {
  constructor(status, message, fields = {}, details = {}) {
    super(message || 'Something went wrong.')
    this.name = 'ApiError'
    this.status = status
    this.fields = fields || {}
    this.details = details || {}
  }

  /** Messages for one field, as an array (empty when none). */
  fieldMessages(name) {
    const value = this.fields?.[name]
    if (!value) return []
    return Array.isArray(value) ? value.map(String) : [String(value)]
  }
}

const STATUS_MESSAGES = {
  0: 'Cannot reach the server. Check your connection and try again.',
  400: 'The request was not valid.',
  401: 'Please log in to continue.',
  403: 'You are not allowed to do that.',
  404: 'Not found.',
  405: 'That action is not allowed.',
  409: 'That change conflicts with the current state. Reload and try again.',
  413: 'The file is too large.',
  422: 'Please correct the highlighted fields.',
  429: 'Too many requests. Please wait a moment and try again.',
  500: 'The server had a problem. Please try again later.',
  502: 'The server is not reachable right now. Please try again later.',
  503: 'The service is temporarily unavailable. Please try again later.',
}

function defaultMessage(status) {
  return STATUS_MESSAGES[status] || (status >= 500 ? STATUS_MESSAGES[500] : `Request failed (${status}).`)
}

let csrfToken = null
let csrfPromise = null
let csrfGeneration = 0 // bumped on reset, so a late answer for an old session is ignored
let unauthorizedHandler = null

/** Install the function called on a 401 (clears the user, goes to the login page). */
export function onUnauthorized(handler) {
  unauthorizedHandler = handler
}

/** Forget the CSRF token (the session rotates on login and logout). */
export function resetCsrf() {
  csrfGeneration += 1
  csrfToken = null
  csrfPromise = null
}

/** Get (and cache) the CSRF token for this session. */
export async function getCsrfToken(force = false) {
  if (force) resetCsrf()
  if (csrfToken) return csrfToken
  if (!csrfPromise) {
    const generation = csrfGeneration
    const pending = send('GET', '/auth/csrf', { skipUnauthorized: true })
      .then(({ data }) => {
        const token = data?.csrf_token || null
        if (generation === csrfGeneration) csrfToken = token
        return token
      })
      .finally(() => {
        if (csrfPromise === pending) csrfPromise = null
      })
    csrfPromise = pending
  }
  return csrfPromise
}

function buildUrl(path, params) {
  const url = path.startsWith('/api/') ? path : `${API_BASE}${path.startsWith('/') ? '' : '/'}${path}`
  if (!params) return url
  const search = new URLSearchParams()
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === '') continue
    search.append(key, String(value))
  }
  const qs = search.toString()
  return qs ? `${url}?${qs}` : url
}

async function readBody(response) {
  if (response.status === 204 || response.status === 205) return null
  const type = response.headers.get('Content-Type') || ''
  if (type.includes('json')) {
    try {
      return await response.json()
    } catch {
      return null
    }
  }
  try {
    const text = await response.text()
    return text || null
  } catch {
    return null
  }
}

function toApiError(status, body) {
  const err = body && typeof body === 'object' ? body.error : null
  if (err && typeof err === 'object') {
    const details = { ...err }
    for (const key of ['status', 'message', 'fields']) delete details[key]
    return new ApiError(err.status || status, err.message || defaultMessage(status), err.fields || {}, details)
  }
  return new ApiError(status, defaultMessage(status))
}

function isCsrfFailure(error) {
  return (error.status === 400 || error.status === 403) && /csrf/i.test(error.message || '')
}

async function send(method, path, options = {}) {
  const { params, body, formData, blob = false, skipUnauthorized = false, signal } = options
  const headers = { Accept: blob ? '*/*' : 'application/json' }
  let payload
  if (formData) {
    payload = formData
  } else if (body !== undefined) {
    headers['Content-Type'] = 'application/json'
    payload = JSON.stringify(body)
  }
  if (UNSAFE_METHODS.has(method)) {
    const token = await getCsrfToken()
    if (token) headers['X-CSRF-Token'] = token
  }

  let response
  try {
    response = await fetch(buildUrl(path, params), {
      method,
      headers,
      body: payload,
      credentials: 'same-origin',
      signal,
    })
  } catch (e) {
    if (e?.name === 'AbortError') throw e
    throw new ApiError(0, defaultMessage(0))
  }

  if (response.ok) {
    const data = blob ? await response.blob() : await readBody(response)
    return { data, headers: response.headers, status: response.status }
  }

  const error = toApiError(response.status, await readBody(response))
  if (error.status === 401 && !skipUnauthorized && unauthorizedHandler) {
    unauthorizedHandler(error)
  }
  throw error
}

async function request(method, path, options = {}) {
  try {
    return await send(method, path, options)
  } catch (error) {
    if (error instanceof ApiError && UNSAFE_METHODS.has(method) && isCsrfFailure(error) && !options._retried) {
      await getCsrfToken(true)
      return send(method, path, { ...options, _retried: true })
    }
    throw error
  }
}

function totalFrom(headers, fallback) {
  const raw = headers.get('X-Total-Count')
  const n = raw === null ? NaN : Number.parseInt(raw, 10)
  return Number.isFinite(n) ? n : fallback
}

export const api = {
  /** GET a JSON resource; resolves to the parsed body. */
  async get(path, params, options = {}) {
    return (await request('GET', path, { ...options, params })).data
  },
  /** GET a list; resolves to {items, total} (total from X-Total-Count). */
  async list(path, params, options = {}) {
    const { data, headers } = await request('GET', path, { ...options, params })
    const items = Array.isArray(data) ? data : []
    return { items, total: totalFrom(headers, items.length) }
  },
  async post(path, body, options = {}) {
    return (await request('POST', path, { ...options, body })).data
  },
  async put(path, body, options = {}) {
    return (await request('PUT', path, { ...options, body })).data
  },
  async patch(path, body, options = {}) {
    return (await request('PATCH', path, { ...options, body })).data
  },
  async del(path, body, options = {}) {
    return (await request('DELETE', path, { ...options, body })).data
  },
  /** POST multipart/form-data (file uploads). */
  async upload(path, formData, options = {}) {
    return (await request('POST', path, { ...options, formData })).data
  },
  /** GET a file as a Blob. */
  async blob(path, params, options = {}) {
    return (await request('GET', path, { ...options, params, blob: true })).data
  },
  url: buildUrl,
}

export default api
