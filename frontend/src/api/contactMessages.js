/**
 * The admin's side of the contact form: the messages people sent, each marked handled once answered.
 * A message: {id, user_id, name, email, message, created_at, handled_at}.
 */
import { api } from './client'

const id = (value) => encodeURIComponent(value)

export const contactMessagesApi = {
  // Newest first; filter handled ('true' | 'false').
  list: (params) => api.list('/contact-messages', params),
  get: (messageId) => api.get(`/contact-messages/${id(messageId)}`),
  // Both answer the message; repeating either changes nothing.
  markHandled: (messageId) => api.put(`/contact-messages/${id(messageId)}/handled`),
  reopen: (messageId) => api.put(`/contact-messages/${id(messageId)}/open`),
}
