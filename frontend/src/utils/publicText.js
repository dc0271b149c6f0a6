/**
 * How the public pages word a professional's facts: dates in the platform's time zone (a review written at
 * 00:30 IST on 13 Nov is from 13 Nov wherever the reader is), years of experience, jobs done.
 */
import { PLATFORM_TZ } from './schedule'

const dayMonthYear = new Intl.DateTimeFormat('en-IN', { day: 'numeric', month: 'short', year: 'numeric', timeZone: PLATFORM_TZ })
const monthYear = new Intl.DateTimeFormat('en-IN', { month: 'long', year: 'numeric', timeZone: PLATFORM_TZ })
const DAY_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/

function instant(value) {
  if (!value) return null
  const m = DAY_ONLY.exec(value)
  // A bare calendar day is that day in India: noon there is safely inside it.
  const d = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 6, 30)) : new Date(value)
  return Number.isNaN(d.getTime()) ? null : d
}

/** "12 Nov 2026" (India time); '' when unknown. */
export function formatDayMonthYear(value) {
  const d = instant(value)
  return d ? dayMonthYear.format(d).replace(/\./g, '') : ''
}

/** "November 2026" (India time); '' when unknown. */
export function formatMonthYear(value) {
  const d = instant(value)
  return d ? monthYear.format(d) : ''
}

/** "1 year of experience", "8 years of experience", "New to the trade" for 0. */
export function experienceText(years) {
  const n = Number(years)
  if (!Number.isFinite(n) || n < 0) return ''
  if (n === 0) return 'Less than a year of experience'
  return `${n} ${n === 1 ? 'year' : 'years'} of experience`
}

/** "1 job done", "24 jobs done", "No jobs done yet". */
export function jobsDoneText(count) {
  const n = Number(count)
  if (!Number.isFinite(n) || n <= 0) return 'No jobs done yet'
  return `${new Intl.NumberFormat('en-IN').format(n)} ${n === 1 ? 'job' : 'jobs'} done`
}
