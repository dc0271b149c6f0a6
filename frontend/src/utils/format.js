export { formatMoney } from './money'

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' })
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' })
const shortDay = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' })

function toDate(value) {
  if (!value) return null
  const d = value instanceof Date ? value : new Date(value)
  return Number.isNaN(d.getTime()) ? null : d
}

/** A readable date and time in the browser's time zone. */
export function formatDateTime(value) {
  const d = toDate(value)
  return d ? dateTime.format(d) : '—'
}

export function formatDate(value) {
  const d = toDate(value)
  return d ? dateOnly.format(d) : '—'
}

/** "2026-11-01" (a calendar day, no time zone) → "1 Nov". */
export function formatDay(isoDay) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDay || '')
  if (!m) return isoDay || ''
  return shortDay.format(new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])))
}

export function formatMinutes(minutes) {
  const n = Number(minutes)
  if (!Number.isFinite(n) || n <= 0) return '—'
  const h = Math.floor(n / 60)
  const m = Math.round(n % 60)
  if (!h) return `${m} min`
  return m ? `${h} h ${m} min` : `${h} h`
}

export function formatRating(rating) {
  if (rating === null || rating === undefined) return 'No ratings yet'
  return `${Number(rating).toFixed(1)} / 5`
}

const pad = (n) => String(n).padStart(2, '0')

/** YYYY-MM-DD of a Date in local time (for <input type="date">). */
export function localDateInput(d = new Date()) {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`
}

/** HH:MM of a Date in local time (for <input type="time">). */
export function localTimeInput(d = new Date()) {
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`
}

/** Local date + time inputs → a Date (or null when incomplete/invalid). */
export function dateFromInputs(date, time) {
  const dm = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date || '')
  const tm = /^(\d{2}):(\d{2})/.exec(time || '')
  if (!dm || !tm) return null
  const d = new Date(Number(dm[1]), Number(dm[2]) - 1, Number(dm[3]), Number(tm[1]), Number(tm[2]), 0, 0)
  return Number.isNaN(d.getTime()) ? null : d
}

/** A Date → ISO 8601 in local time with its offset, e.g. 2026-11-02T10:00:00+05:30. */
export function toIsoWithOffset(d) {
  const offsetMin = -d.getTimezoneOffset()
  const sign = offsetMin >= 0 ? '+' : '-'
  const abs = Math.abs(offsetMin)
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}` +
    `T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}` +
    `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
  )
}

/** An ISO timestamp → {date, time} strings for the local date/time inputs. */
export function inputsFromIso(iso) {
  const d = toDate(iso)
  return d ? { date: localDateInput(d), time: localTimeInput(d) } : { date: '', time: '' }
}

// The seven statuses of a service request, in the order of the lifecycle (utils/lifecycle.js).
export const STATUS_LABELS = {
  requested: 'Requested',
  assigned: 'Assigned',
  completed: 'Completed',
  closed: 'Closed',
  rejected: 'Rejected',
  cancelled: 'Cancelled',
  expired: 'Expired',
}

export const APPROVAL_LABELS = {
  pending: 'Pending approval',
  approved: 'Approved',
  rejected: 'Rejected',
}

/**
 * The tabs of a request list's status filter, in the given order ('all' and statuses), named as
 * everywhere else unless `labels` renames some (what a professional calls "Incoming").
 */
export function statusTabs(order, labels = {}) {
  return order.map((value) => ({ value, label: labels[value] || (value === 'all' ? 'All' : STATUS_LABELS[value] || value) }))
}
