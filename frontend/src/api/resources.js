/**
 * Thin, named wrappers around the API contract, so that views read in the product's words.
 * Every function goes through the one client in ./client.js.
 */
import { api } from './client'

export const authApi = {
  me: () => api.get('/auth/me', undefined, { skipUnauthorized: true }),
  login: (email, password) => api.post('/auth/login', { email, password }, { skipUnauthorized: true }),
  logout: () => api.post('/auth/logout', undefined, { skipUnauthorized: true }),
  registerCustomer: (payload) => api.post('/auth/register/customer', payload, { skipUnauthorized: true }),
  registerProfessional: (payload) =>
    api.post('/auth/register/professional', payload, { skipUnauthorized: true }),
  updateMe: (changes) => api.patch('/auth/me', changes),
  // A wrong current password must not log the user out, so no 401 redirect here.
  changePassword: (current_password, new_password) =>
    api.post('/auth/password', { current_password, new_password }, { skipUnauthorized: true }),
}

export const servicesApi = {
  list: (params) => api.list('/services', params),
  get: (id) => api.get(`/services/${encodeURIComponent(id)}`),
  create: (payload) => api.post('/services', payload),
  update: (id, payload) => api.put(`/services/${encodeURIComponent(id)}`, payload),
  remove: (id) => api.del(`/services/${encodeURIComponent(id)}`),
  // Anyone may list a service's professionals; a logged-in customer's own PIN code is the default `near`.
  packages: (serviceId, params) =>
    api.list(`/service-packages/${encodeURIComponent(serviceId)}`, params, { skipUnauthorized: true }),
}

export const requestsApi = {
  list: (params) => api.list('/service-requests', params),
  create: (payload) => api.post('/service-requests', payload),
  // One request, with its status_history (oldest first).
  get: (id) => api.get(`/service-requests/${encodeURIComponent(id)}`),
  // What cancelling now would cost the customer: {late, fee, free_until}.
  cancellation: (id) => api.get(`/service-requests/${encodeURIComponent(id)}/cancellation`),
  act: (id, action, extra = {}) =>
    api.patch(`/service-requests/${encodeURIComponent(id)}`, { action, ...extra }),
  edit: (id, changes) => api.patch(`/service-requests/${encodeURIComponent(id)}`, changes),
  history: (params) => api.list('/service-history', params),
  ofProfessional: (professionalId, params) =>
    api.list(`/service-requests/professional/${encodeURIComponent(professionalId)}`, params),
}

/**
 * Every page of a list (for a week view: a professional's bookings), `perPage` at a time, at most `maxPages`.
 * Resolves to the items.
 */
export async function listAll(fetch, params = {}, { perPage = 1000, maxPages = 5 } = {}) {
  const items = []
  for (let page = 1; page <= maxPages; page += 1) {
    const chunk = await fetch({ ...params, page, per_page: perPage })
    items.push(...chunk.items)
    if (!chunk.items.length || items.length >= chunk.total) break
  }
  return items
}

export const professionalsApi = {
  get: (professionalId) => api.get(`/professionals/${encodeURIComponent(professionalId)}`),
  uploadDocument: (file) => {
    const form = new FormData()
    form.append('document', file)
    return api.upload('/professionals/me/document', form)
  },
  documentUrl: (professionalId) => api.url(`/professionals/${encodeURIComponent(professionalId)}/document`),
}

export const scheduleApi = {
  /**
   * Free start times of a professional, `days` days from `date` (YYYY-MM-DD, platform time zone). Should the
   * server page the answer, the other pages are read too.
   */
  slots: async (professionalId, date, days, requestId = null) => {
    const path = `/professionals/${encodeURIComponent(professionalId)}/slots`
    // A booking being moved: its own time (and the travel buffer around it) counts as free.
    const moving = requestId ? { request_id: requestId } : {}
    const first = await api.list(path, { date, days, ...moving })
    const items = [...first.items]
    for (let page = 2; items.length < first.total && page <= 10; page += 1) {
      const next = await api.list(path, { date, days, page, ...moving })
      if (!next.items.length) break
      items.push(...next.items)
    }
    return items
  },
  // The caller's (a professional's) working week and time off.
  availability: () => api.get('/availability'),
  saveWeekly: (weekly) => api.put('/availability', { weekly }),
  addTimeOff: (payload) => api.post('/availability/time-off', payload),
  removeTimeOff: (id) => api.del(`/availability/time-off/${encodeURIComponent(id)}`),
  // Any professional's, for the admin.
  availabilityOf: (professionalId) => api.get(`/professionals/${encodeURIComponent(professionalId)}/availability`),
}

export const usersApi = {
  list: (params) => api.list('/all-users', params),
  act: (userId, action) => api.put(`/users/${encodeURIComponent(userId)}/${action}`),
}

export const summaryApi = {
  get: () => api.get('/summary'),
}

export const notificationsApi = {
  list: (params) => api.list('/notifications', params),
  markRead: (id) => api.patch(`/notifications/${encodeURIComponent(id)}`, { read: true }),
  markAllRead: () => api.post('/notifications/read-all'),
  // {count}: cheap, meant for polling.
  unreadCount: () => api.get('/notifications/unread-count'),
}

export const calendarApi = {
  // Every call issues a NEW private feed URL ({url}) and the previous one stops working.
  issueFeedUrl: () => api.get('/calendar/feed-url'),
  revokeFeedUrl: () => api.del('/calendar/feed-url'),
}

export const exportsApi = {
  start: (filters) => api.post('/exports/service-requests', filters),
  status: (jobId) => api.get(`/exports/${encodeURIComponent(jobId)}`),
}
