/**
 * The service-request lifecycle as people see it: which buttons each party gets at each status,
 * what happens next, what cancelling costs, and a request's history. Pure functions: no Vue, no API.
 *
 * Seven statuses (docs/api-contract.md, "The request lifecycle, complete"): requested → assigned →
 * completed → closed, and the ends rejected, cancelled and expired. Times are shown in the platform's
 * zone (Asia/Kolkata), whatever the browser's own zone is.
 */
import { STATUS_LABELS, formatMoney } from './format'
import { formatSlot, formatSlotRange, toInstant } from './schedule'

export const STATUSES = ['requested', 'assigned', 'completed', 'closed', 'rejected', 'cancelled', 'expired']

// The server's defaults (RESPONSE_WINDOW_MINUTES=1440): how long a professional has to answer a booking.
export const RESPONSE_WINDOW_HOURS = 24

const ms = (value) => toInstant(value)?.getTime() ?? NaN

/** True once the booked start of `request` has passed (at `now`). */
export function hasStarted(request, now = new Date()) {
  const start = ms(request?.date_of_request)
  return Number.isFinite(start) && start <= ms(now)
}

/**
 * The buttons a party gets on a request at `now`:
 * - professional: accept, reject (requested); complete (assigned, once the start has passed; before
 *   that `completeFrom` says from when), withdraw (assigned);
 * - customer: edit and cancel (requested, assigned); close with a rating (completed, or assigned once
 *   its start has passed);
 * - the admin only looks.
 */
export function requestActions(request, viewer, now = new Date()) {
  const none = { accept: false, reject: false, complete: false, completeFrom: null, withdraw: false, edit: false, cancel: false, close: false }
  const status = request?.status
  if (viewer === 'professional') {
    const assigned = status === 'assigned'
    const started = hasStarted(request, now)
    return {
      ...none,
      accept: status === 'requested',
      reject: status === 'requested',
      complete: assigned && started,
      completeFrom: assigned && !started ? formatSlot(request.date_of_request) : null,
      withdraw: assigned,
    }
  }
  if (viewer === 'customer') {
    const open = status === 'requested' || status === 'assigned'
    return {
      ...none,
      edit: open,
      cancel: open,
      close: status === 'completed' || (status === 'assigned' && hasStarted(request, now)),
    }
  }
  return none
}

/** True when the party has at least one button on the request (its card shows an action bar). */
export function hasRequestActions(request, viewer, now = new Date()) {
  const a = requestActions(request, viewer, now)
  return Boolean(a.accept || a.reject || a.complete || a.completeFrom || a.withdraw || a.edit || a.cancel || a.close)
}

const ROLE_NAMES = { customer: 'the customer', professional: 'the professional', admin: 'the admin' }

/**
 * Who did something (a history entry's `by`, a request's `cancelled_by`), as `viewer` reads it:
 * "you", the other party's name, "the admin", "automatically" (the system).
 */
export function whoDid(by, request = {}, viewer = 'admin') {
  if (!by) return ''
  if (by === 'system') return 'automatically'
  if (by === viewer) return 'you'
  if (by === 'customer') return request.customer_name || ROLE_NAMES.customer
  if (by === 'professional') return request.professional_name || ROLE_NAMES.professional
  return ROLE_NAMES[by] || by
}

const capital = (s) => (s ? s.charAt(0).toUpperCase() + s.slice(1) : s)

/** "Cancelled by you", "Withdrawn by Ravi Kumar", "Expired: nobody answered in time"... ('' unless cancelled or expired). */
export function cancellationText(request, viewer = 'admin') {
  if (request?.status === 'expired') return 'Expired: nobody answered in time'
  if (request?.status !== 'cancelled') return ''
  const by = request.cancelled_by
  if (!by) return 'Cancelled'
  if (by === 'system') return 'Cancelled automatically'
  const verb = by === 'professional' ? 'Withdrawn' : 'Cancelled'
  return `${verb} by ${whoDid(by, request, viewer)}`
}

/** The request's cancellation fee as a number, or null when it has none (free, or not cancelled). */
export function cancellationFee(request) {
  const fee = Number(request?.cancellation_fee)
  return request?.cancellation_fee !== null && request?.cancellation_fee !== undefined && Number.isFinite(fee) && fee > 0 ? fee : null
}

/** The reason given with a rejection or a withdrawal, when there is one to show. */
export function statusReason(request) {
  const reason = (request?.status_reason || '').trim()
  if (!reason) return ''
  if (request.status === 'rejected' || (request.status === 'cancelled' && request.cancelled_by === 'professional')) return reason
  return ''
}

const serviceLink = (request, label = 'Find another professional') =>
  request?.service_id ? { to: `/services/${request.service_id}`, label } : null

/**
 * What happens next, in a sentence for `viewer` (customer | professional | admin), at `now`:
 * {text, link: {to, label} | null, tone: 'wait' | 'todo' | 'done' | 'ended'}. A customer whose booking
 * nobody will do (rejected, withdrawn, expired) gets a link to the service page to book someone else.
 */
export function nextStep(request, viewer = 'customer', now = new Date()) {
  const status = request?.status
  const when = request?.date_of_request ? formatSlotRange(request.date_of_request, request.end_time) : ''
  const pro = request?.professional_name || 'the professional'
  const customer = request?.customer_name || 'the customer'
  const started = hasStarted(request, now)
  const step = (text, tone, link = null) => ({ text, tone, link })

  switch (status) {
    case 'requested': {
      const window = `${RESPONSE_WINDOW_HOURS} hours`
      // The booking expires at its start if that comes before the end of the answer window.
      const soon = Number.isFinite(ms(request.date_of_request)) && ms(request.date_of_request) - ms(now) < RESPONSE_WINDOW_HOURS * 3_600_000
      const limit = soon && when ? `until ${formatSlot(request.date_of_request)}` : window
      if (viewer === 'professional') return step(`New booking for ${when}: accept or reject it (you have ${limit})`, 'todo')
      if (viewer === 'customer') return step(`Waiting for ${pro} to accept (they have ${limit})`, 'wait')
      return step(`Waiting for ${pro} to accept (they have ${limit})`, 'wait')
    }
    case 'assigned':
      if (viewer === 'professional') {
        return started ? step(`Booked for ${when}: mark it as done once the work is finished`, 'todo') : step(`Booked for ${when}`, 'wait')
      }
      if (viewer === 'customer') {
        return started ? step(`Booked for ${when}: once the work is done, please confirm and rate`, 'todo') : step(`Booked for ${when}`, 'wait')
      }
      return step(`Booked for ${when}`, 'wait')
    case 'completed':
      if (viewer === 'customer') return step('Done — please confirm and rate', 'todo')
      if (viewer === 'professional') return step(`Done — waiting for ${customer} to confirm`, 'wait')
      return step(`Done — waiting for ${customer} to confirm`, 'wait')
    case 'closed':
      if (viewer === 'customer') return step(request.rating ? 'Closed — thank you for rating' : 'Closed — nothing more to do', 'done')
      if (viewer === 'professional') return step(request.rating ? `Closed — ${customer} rated your work` : 'Closed — nothing more to do', 'done')
      return step('Closed', 'done')
    case 'rejected':
      if (viewer === 'customer') return step(`${capital(pro)} cannot take this job: book someone else`, 'ended', serviceLink(request))
      if (viewer === 'professional') return step('You turned this booking down', 'ended')
      return step(`Turned down by ${pro}`, 'ended')
    case 'expired':
      if (viewer === 'customer') return step('Nobody answered in time: book someone else', 'ended', serviceLink(request))
      if (viewer === 'professional') return step('You did not answer in time: the booking expired', 'ended')
      return step(`${capital(pro)} did not answer in time`, 'ended')
    case 'cancelled': {
      const by = request.cancelled_by
      if (viewer === 'customer') {
        if (by === 'professional') return step(`${capital(pro)} withdrew: book someone else`, 'ended', serviceLink(request))
        if (by === 'customer') return step('You cancelled this booking', 'ended')
        return step(`${cancellationText(request, viewer)}: book someone else`, 'ended', serviceLink(request))
      }
      if (viewer === 'professional') {
        if (by === 'professional') return step('You withdrew from this booking', 'ended')
        if (by === 'customer') return step(`${capital(customer)} cancelled this booking`, 'ended')
        return step(cancellationText(request, viewer), 'ended')
      }
      return step(cancellationText(request, viewer), 'ended')
    }
    default:
      return step(STATUS_LABELS[status] || status || '', 'wait')
  }
}

const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`

/**
 * The sentence of GET /api/service-requests/<id>/cancellation ({late, fee, free_until}) for `request`:
 * "Cancelling now costs ₹59.80: less than 3 hours before the start", or "Cancelling is free until
 * Tue 1 Dec, 07:30" (in the platform's zone).
 */
export function cancellationSentence(terms, request = {}, now = new Date()) {
  if (!terms) return ''
  const fee = Number(terms.fee)
  if (terms.late && Number.isFinite(fee) && fee > 0) {
    if (hasStarted(request, now)) return `Cancelling now costs ${formatMoney(fee)}: the booking has already started`
    const hours = (ms(request.date_of_request) - ms(terms.free_until)) / 3_600_000
    if (Number.isFinite(hours) && hours > 0) {
      const span = Number.isInteger(hours) ? plural(hours, 'hour') : plural(Math.round(hours * 60), 'minute')
      return `Cancelling now costs ${formatMoney(fee)}: less than ${span} before the start`
    }
    return `Cancelling now costs ${formatMoney(fee)}: it is too close to the start`
  }
  if (terms.late || !Number.isFinite(ms(terms.free_until))) return 'Cancelling now is free'
  // Only an accepted booking can cost a fee: one still waiting for its professional stays free.
  if (request.status === 'requested' && ms(terms.free_until) <= ms(now)) return 'Cancelling now is free: the professional has not accepted yet'
  return `Cancelling is free until ${formatSlot(terms.free_until)}`
}

/**
 * A request's status history (GET /api/service-requests/<id>, oldest first) as rows to show:
 * [{key, status, label, at, when ("Tue 1 Dec, 07:30", platform zone), who, reason}].
 */
export function historyRows(history, request = {}, viewer = 'admin') {
  if (!Array.isArray(history)) return []
  return history.map((h, i) => {
    const moved = h.status === 'requested' && i > 0
    const withdrawn = h.status === 'cancelled' && h.by === 'professional'
    let label = STATUS_LABELS[h.status] || h.status
    if (i === 0 && h.status === 'requested') label = 'Booked'
    else if (moved) label = 'Moved, to be accepted again'
    else if (withdrawn) label = 'Withdrawn'
    return {
      key: `${i}-${h.status}-${h.at}`,
      status: h.status,
      label,
      at: h.at,
      when: formatSlot(h.at),
      who: whoDid(h.by, request, viewer),
      reason: (h.reason || '').trim(),
    }
  })
}
