/**
 * Reviews for the staff pages: a professional reads the reviews of their work and replies once; the admin
 * lists every review (hidden ones too) and hides or shows one.
 */
import { api } from './client'

const id = (value) => encodeURIComponent(value)

export const reviewsApi = {
  // A professional's public numbers: {rating, reviews_count, rating_counts {"1".."5"}, ...}.
  profile: (professionalId) => api.get(`/professionals/${id(professionalId)}/profile`),
  // Their visible reviews, newest first: [{request_id, rating, review, customer_name, service_name, date, reply, reply_at}].
  ofProfessional: (professionalId, params) => api.list(`/professionals/${id(professionalId)}/reviews`, params),
  // 201: the review with its reply; 409 once replied (or when the review is hidden).
  reply: (requestId, reply) => api.post(`/service-requests/${id(requestId)}/reply`, { reply }),
  // The admin's: filters hidden (true|false), professional_id, q.
  list: (params) => api.list('/reviews', params),
  hide: (requestId, reason) => api.put(`/reviews/${id(requestId)}/hide`, { reason }),
  show: (requestId) => api.put(`/reviews/${id(requestId)}/show`),
}
