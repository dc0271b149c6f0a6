import { PLATFORM_TZ } from './schedule'

// The platform's clock (Asia/Kolkata), whatever the browser's zone: an admin abroad reads the times the
// customers and professionals read.
const dateTime = new Intl.DateTimeFormat('en-IN', {
  timeZone: PLATFORM_TZ,
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
})
const dateOnly = new Intl.DateTimeFormat('en-IN', { timeZone: PLATFORM_TZ, day: 'numeric', month: 'short', year: 'numeric' })

function toDate(value) {
  if (!value) return null
  const d = value instanceof Date ? value : new Date(value)
  return Number.isNaN(d.getTime()) ? null : d
}

/** "30 Nov 2026, 18:30 IST" ('—' when there is no time). */
export function formatPlatformDateTime(value) {
  const d = toDate(value)
  return d ? `${dateTime.format(d)} IST` : '—'
}

/** "30 Nov 2026" in the platform's zone ('—' when there is no date). */
export function formatPlatformDate(value) {
  const d = toDate(value)
  return d ? dateOnly.format(d) : '—'
}
