/**
 * What anyone may read or send without an account: professionals' public profiles and reviews, account
 * recovery and the contact form. No 401 redirect here: these answers never need a session.
 */
import { api } from './client'

const open = { skipUnauthorized: true }

export const profilesApi = {
  // {professional_id, name, service_id, service_name, experience_years, description, location, pin_code, rating,
  //  reviews_count, rating_counts {"1".."5"}, jobs_done, member_since, verified, next_available}
  get: (professionalId) => api.get(`/professionals/${encodeURIComponent(professionalId)}/profile`, undefined, open),
  // Newest first: {request_id, rating, review, customer_name, service_name, date, reply, reply_at}
  reviews: (professionalId, params) =>
    api.list(`/professionals/${encodeURIComponent(professionalId)}/reviews`, params, open),
}

export const recoveryApi = {
  // 202 whether or not an account uses the address: {message}
  requestReset: (email) => api.post('/auth/password-reset', { email }, open),
  // 204; 400 for a used, expired or forged token; 422 for a weak password
  confirmReset: (token, password) => api.post('/auth/password-reset/confirm', { token, password }, open),
}

export const contactApi = {
  // 202 {message}; 429 when sent too often
  send: (payload) => api.post('/contact', payload, open),
}
