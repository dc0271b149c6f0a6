/**
 * Scheduling in the platform's time zone (Asia/Kolkata): calendar days, free slots grouped by day,
 * the week of a professional, working hours on the slot grid. Pure functions: no Vue, no API.
 *
 * A calendar day is a `YYYY-MM-DD` key, a time of day an `HH:MM` string ("24:00" ends a day), an
 * instant anything `new Date()` reads (the API's ISO strings carry their offsets). Every day and time
 * shown here is the platform's, whatever the browser's own zone is.
 */

export const PLATFORM_TZ = 'Asia/Kolkata'
export const SLOT_STEP_MINUTES = 30
export const DAY_MINUTES = 24 * 60

export const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday']
const WEEKDAYS_SHORT = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun']
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December']

const pad = (n) => String(n).padStart(2, '0')
const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/
const TIME_RE = /^(\d{2}):(\d{2})$/

// ---------------------------------------------------------------------------------------------------------
// Days and times of the zone

const formatters = new Map()
function partsFormatter(tz) {
  if (!formatters.has(tz)) {
    formatters.set(
      tz,
      new Intl.DateTimeFormat('en-US', {
        timeZone: tz,
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
        hourCycle: 'h23',
      }),
    )
  }
  return formatters.get(tz)
}

/** An instant (Date, ISO string, epoch ms) as a Date, or null when it is not one. */
export function toInstant(value) {
  if (value === null || value === undefined || value === '') return null
  const d = value instanceof Date ? value : new Date(value)
  return Number.isNaN(d.getTime()) ? null : d
}

/** What the zone's wall clock says at an instant: {key: 'YYYY-MM-DD', minutes (from midnight), year, month, day, hour, minute}. */
export function zonedParts(value, tz = PLATFORM_TZ) {
  const d = toInstant(value)
  if (!d) return null
  const p = {}
  for (const { type, value: v } of partsFormatter(tz).formatToParts(d)) p[type] = v
  const year = Number(p.year)
  const month = Number(p.month)
  const day = Number(p.day)
  const hour = Number(p.hour) % 24 // some engines say 24 at midnight
  const minute = Number(p.minute)
  const second = Number(p.second)
  return { key: `${p.year}-${p.month}-${p.day}`, year, month, day, hour, minute, second, minutes: hour * 60 + minute }
}

/** The zone's calendar day of an instant ('YYYY-MM-DD'), or '' when it is not an instant. */
export function dayKeyOf(value, tz = PLATFORM_TZ) {
  return zonedParts(value, tz)?.key || ''
}

/** Today in the zone. */
export function todayKey(now = new Date(), tz = PLATFORM_TZ) {
  return dayKeyOf(now, tz)
}

function keyToUtc(key) {
  const m = DAY_RE.exec(key || '')
  return m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN
}

function utcToKey(ms) {
  const d = new Date(ms)
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`
}

export function isDayKey(key) {
  const ms = keyToUtc(key)
  return Number.isFinite(ms) && utcToKey(ms) === key
}

/** The calendar day `n` days after `key` (before, when negative). */
export function addDays(key, n) {
  return utcToKey(keyToUtc(key) + n * 86_400_000)
}

/** 0 = Monday ... 6 = Sunday, as the API counts. */
export function weekdayOf(key) {
  return (new Date(keyToUtc(key)).getUTCDay() + 6) % 7
}

/** The Monday of the week of `key`. */
export function mondayOf(key) {
  return addDays(key, -weekdayOf(key))
}

/** `count` consecutive days from `first`. */
export function daysFrom(first, count) {
  return Array.from({ length: count }, (_, i) => addDays(first, i))
}

/** "HH:MM" → minutes from midnight ("24:00" → 1440), or NaN. */
export function timeToMinutes(hhmm) {
  const m = TIME_RE.exec(hhmm || '')
  if (!m) return NaN
  const h = Number(m[1])
  const min = Number(m[2])
  if (min > 59 || h > 24 || (h === 24 && min)) return NaN
  return h * 60 + min
}

/** Minutes from midnight → "HH:MM" (1440 → "24:00"). */
export function minutesToTime(minutes) {
  return `${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`
}

/** How far the zone's clock is ahead of UTC at an instant, in minutes (Asia/Kolkata: 330). */
export function offsetMinutes(value, tz = PLATFORM_TZ) {
  const d = toInstant(value)
  const p = zonedParts(d, tz)
  const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second)
  return Math.round((wall - Math.floor(d.getTime() / 1000) * 1000) / 60_000)
}

/** The instant at which the zone's clock shows `hhmm` on day `key` ("24:00" is the next midnight), or null. */
export function zonedInstant(key, hhmm, tz = PLATFORM_TZ) {
  const base = keyToUtc(key)
  const minutes = timeToMinutes(hhmm)
  if (!Number.isFinite(base) || !Number.isFinite(minutes)) return null
  const wall = base + minutes * 60_000
  let guess = wall - offsetMinutes(new Date(wall), tz) * 60_000
  // Once more, in case the offset at the answer differs (a summer-time change in between).
  guess = wall - offsetMinutes(new Date(guess), tz) * 60_000
  return new Date(guess)
}

/** ISO 8601 in the zone with its offset, e.g. 2026-12-01T10:30:00+05:30 (what the API is sent). */
export function zonedIso(value, tz = PLATFORM_TZ) {
  const d = toInstant(value)
  if (!d) return ''
  const p = zonedParts(d, tz)
  const off = offsetMinutes(d, tz)
  const abs = Math.abs(off)
  const sign = off < 0 ? '-' : '+'
  return `${p.key}T${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
}

// ---------------------------------------------------------------------------------------------------------
// Showing days and times ("Tue 1 Dec, 10:30"), always in the zone

/** The names of a calendar day: {weekday: 'Tue', weekdayLong: 'Tuesday', day: 1, month: 'Dec', monthLong, short: 'Tue 1 Dec', long}. */
export function dayLabel(key) {
  const ms = keyToUtc(key)
  if (!Number.isFinite(ms)) return null
  const d = new Date(ms)
  const wd = weekdayOf(key)
  const monthLong = MONTHS[d.getUTCMonth()]
  const day = d.getUTCDate()
  return {
    weekday: WEEKDAYS_SHORT[wd],
    weekdayLong: WEEKDAYS[wd],
    day,
    month: monthLong.slice(0, 3),
    monthLong,
    year: d.getUTCFullYear(),
    short: `${WEEKDAYS_SHORT[wd]} ${day} ${monthLong.slice(0, 3)}`,
    long: `${WEEKDAYS[wd]} ${day} ${monthLong}`,
  }
}

/** "10:30" in the zone. */
export function formatTimeOfDay(value, tz = PLATFORM_TZ) {
  const p = zonedParts(value, tz)
  return p ? `${pad(p.hour)}:${pad(p.minute)}` : '—'
}

/** "Tue 1 Dec, 10:30" in the zone. */
export function formatSlot(value, tz = PLATFORM_TZ) {
  const p = zonedParts(value, tz)
  return p ? `${dayLabel(p.key).short}, ${pad(p.hour)}:${pad(p.minute)}` : '—'
}

/** "Tue 1 Dec, 10:30–11:15", or both ends in full when they fall on different days. */
export function formatSlotRange(start, end, tz = PLATFORM_TZ) {
  const s = zonedParts(start, tz)
  if (!s) return '—'
  const e = zonedParts(end, tz)
  if (!e || toInstant(end) <= toInstant(start)) return formatSlot(start, tz)
  if (e.key === s.key) return `${formatSlot(start, tz)}–${formatTimeOfDay(end, tz)}`
  // An end at the next midnight reads better as 24:00 of the same day.
  if (e.minutes === 0 && e.key === addDays(s.key, 1)) return `${formatSlot(start, tz)}–24:00`
  return `${formatSlot(start, tz)} – ${formatSlot(end, tz)}`
}

/** "30 Nov – 6 Dec 2026" for the week starting on `monday`. */
export function formatWeekRange(monday) {
  const a = dayLabel(monday)
  const b = dayLabel(addDays(monday, 6))
  if (!a || !b) return ''
  if (a.year !== b.year) return `${a.day} ${a.month} ${a.year} – ${b.day} ${b.month} ${b.year}`
  if (a.month === b.month) return `${a.day} – ${b.day} ${b.month} ${b.year}`
  return `${a.day} ${a.month} – ${b.day} ${b.month} ${b.year}`
}

// ---------------------------------------------------------------------------------------------------------
// Free slots

/**
 * The API's slots, grouped by the zone's calendar day: {'YYYY-MM-DD': [{start, end}, ...]}, each day in
 * time order, without duplicates or unreadable entries.
 */
export function groupSlotsByDay(slots, tz = PLATFORM_TZ) {
  const byDay = {}
  const seen = new Set()
  for (const slot of Array.isArray(slots) ? slots : []) {
    const start = toInstant(slot?.start)
    if (!start || seen.has(start.getTime())) continue
    seen.add(start.getTime())
    const key = dayKeyOf(start, tz)
    ;(byDay[key] ||= []).push(slot)
  }
  for (const list of Object.values(byDay)) list.sort((a, b) => toInstant(a.start) - toInstant(b.start))
  return byDay
}

/** The days of the strip: `count` days from `first`, each with its names and free slots. */
export function buildDayStrip(first, count, byDay = {}) {
  return daysFrom(first, count).map((key) => {
    const slots = byDay[key] || []
    return { key, ...dayLabel(key), slots, available: slots.length > 0 }
  })
}

/** The first free slot of the grouped days (in time order), or null. */
export function firstSlot(byDay) {
  const keys = Object.keys(byDay || {}).sort()
  for (const key of keys) if (byDay[key]?.length) return byDay[key][0]
  return null
}

/** Whether two instants are the same (an ISO string and another spelling of it). */
export function sameInstant(a, b) {
  const x = toInstant(a)
  const y = toInstant(b)
  return Boolean(x && y && x.getTime() === y.getTime())
}

// ---------------------------------------------------------------------------------------------------------
// The week of a professional

const HOLDS_TIME = new Set(['requested', 'assigned', 'completed', 'closed'])

/** Whether a request takes up the professional's time (the others are shown nowhere on the week). */
export function holdsTime(request) {
  return HOLDS_TIME.has(request?.status)
}

function clip(startMs, endMs, dayStart, dayEnd) {
  if (endMs > startMs) {
    if (startMs >= dayEnd || endMs <= dayStart) return null
  } else if (startMs < dayStart || startMs >= dayEnd) {
    return null // a moment without length belongs to the day it is in
  }
  return {
    startMin: Math.round((Math.max(startMs, dayStart) - dayStart) / 60_000),
    endMin: Math.round((Math.min(Math.max(endMs, startMs), dayEnd) - dayStart) / 60_000),
    continuesBefore: startMs < dayStart,
    continuesAfter: endMs > dayEnd,
  }
}

function timeLabel(part) {
  if (part.startMin === 0 && part.endMin === DAY_MINUTES) return 'All day'
  const from = minutesToTime(part.startMin)
  const to = minutesToTime(part.endMin)
  if (part.continuesBefore) return `until ${to}`
  if (part.continuesAfter) return `from ${from}`
  return part.endMin > part.startMin ? `${from}–${to}` : from
}

/**
 * Seven days from `monday` with what each holds, in the zone:
 * [{key, weekday, label, isToday, isPast, hours: [{start, end}], items: [{kind: 'booking' | 'time-off', id,
 *   startMin, endMin, continuesBefore, continuesAfter, time, item}]}]
 * Bookings are the requests that hold time (requested, assigned, completed, closed) with `date_of_request`
 * and `end_time`; time off is [{id, start, end, reason}]; weekly is the API's [{weekday, start, end}].
 * What spans midnight shows on each day it touches.
 */
export function buildWeek(monday, { bookings = [], timeOff = [], weekly = [] } = {}, { today = todayKey(), tz = PLATFORM_TZ } = {}) {
  const spans = []
  for (const b of bookings) {
    const start = toInstant(b?.date_of_request)
    if (!start || !holdsTime(b)) continue
    const end = toInstant(b.end_time) || start
    spans.push({ kind: 'booking', id: b.id, start: start.getTime(), end: end.getTime(), item: b })
  }
  for (const t of timeOff) {
    const start = toInstant(t?.start)
    const end = toInstant(t?.end)
    if (!start || !end) continue
    spans.push({ kind: 'time-off', id: t.id, start: start.getTime(), end: end.getTime(), item: t })
  }
  const hours = weeklyByDay(weekly)
  return daysFrom(monday, 7).map((key, weekday) => {
    const dayStart = zonedInstant(key, '00:00', tz).getTime()
    const dayEnd = zonedInstant(addDays(key, 1), '00:00', tz).getTime()
    const items = []
    for (const span of spans) {
      const part = clip(span.start, span.end, dayStart, dayEnd)
      if (part) items.push({ kind: span.kind, id: span.id, ...part, time: timeLabel(part), item: span.item })
    }
    items.sort((a, b) => a.startMin - b.startMin || a.endMin - b.endMin || (a.kind === b.kind ? 0 : a.kind === 'time-off' ? -1 : 1))
    return {
      key,
      weekday,
      label: dayLabel(key),
      isToday: key === today,
      isPast: key < today,
      hours: hours[weekday],
      items,
    }
  })
}

// ---------------------------------------------------------------------------------------------------------
// Working hours

/** The API's weekly list → seven arrays (Monday first) of {start, end}, each in time order. */
export function weeklyByDay(weekly) {
  const days = Array.from({ length: 7 }, () => [])
  for (const w of Array.isArray(weekly) ? weekly : []) {
    const d = Number(w?.weekday)
    if (Number.isInteger(d) && d >= 0 && d < 7) days[d].push({ start: w.start, end: w.end })
  }
  for (const list of days) list.sort((a, b) => timeToMinutes(a.start) - timeToMinutes(b.start))
  return days
}

/** Seven arrays of {start, end} → the API's weekly list, in the order the editor shows them. */
export function weeklyFromDays(days) {
  return days.flatMap((list, weekday) => list.map((i) => ({ weekday, start: i.start, end: i.end })))
}

/** The times a start or an end may take on the grid: starts 00:00..23:30, ends 00:30..24:00. */
export function timeChoices(kind = 'start', step = SLOT_STEP_MINUTES) {
  const out = []
  const [from, to] = kind === 'end' ? [step, DAY_MINUTES] : [0, DAY_MINUTES - step]
  for (let m = from; m <= to; m += step) out.push(minutesToTime(m))
  return out
}

/**
 * Checks the editor's week: seven arrays of {start, end}. Returns {valid, errors}, errors being seven arrays
 * with a message (or null) per interval: a time that is not HH:MM (or a start at 24:00), off the grid,
 * a start not before its end, or an overlap with an earlier interval of the same day (touching is fine).
 */
export function validateWeekly(days, step = SLOT_STEP_MINUTES) {
  let valid = true
  const errors = days.map((list) => {
    const out = list.map((interval) => {
      const s = timeToMinutes(interval.start)
      const e = timeToMinutes(interval.end)
      if (!Number.isFinite(s) || s >= DAY_MINUTES) return 'Choose a start time.'
      if (!Number.isFinite(e) || e === 0) return 'Choose an end time.'
      if (s % step || e % step) return `Times must be on the ${step}-minute grid (e.g. 09:00 or 09:30).`
      if (s >= e) return 'The end must be after the start.'
      return null
    })
    const order = list
      .map((interval, i) => ({ i, s: timeToMinutes(interval.start), e: timeToMinutes(interval.end) }))
      .filter((x) => !out[x.i])
      .sort((a, b) => a.s - b.s || a.e - b.e)
    for (let k = 1; k < order.length; k += 1) {
      const prev = order.slice(0, k).reduce((a, b) => (b.e > a.e ? b : a))
      const cur = order[k]
      if (cur.s < prev.e) {
        out[cur.i] = `Overlaps ${list[prev.i].start}–${list[prev.i].end}.`
      }
    }
    if (out.some(Boolean)) valid = false
    return out
  })
  return { valid, errors }
}

/** Total working minutes of a day's intervals (for "8 h" next to a day). */
export function dayMinutes(list) {
  return list.reduce((sum, i) => {
    const d = timeToMinutes(i.end) - timeToMinutes(i.start)
    return Number.isFinite(d) && d > 0 ? sum + d : sum
  }, 0)
}

// ---------------------------------------------------------------------------------------------------------
// Server errors

/**
 * A validation error's `fields`, however nested or dotted (the API flattens marshmallow's nesting into
 * keys like "weekly.3.end"), as [{path: ['weekly', '3', 'end'], message}].
 */
export function flattenFieldErrors(fields, path = []) {
  if (fields === null || fields === undefined) return []
  if (typeof fields === 'string') return [{ path, message: fields }]
  if (Array.isArray(fields)) {
    return fields.flatMap((v) => (typeof v === 'object' && v !== null ? flattenFieldErrors(v, path) : [{ path, message: String(v) }]))
  }
  if (typeof fields === 'object') {
    return Object.entries(fields).flatMap(([k, v]) => flattenFieldErrors(v, [...path, ...k.split('.')]))
  }
  return [{ path, message: String(fields) }]
}

/**
 * Splits a validation error about a list (e.g. `weekly`) into the messages of its items, by index,
 * and the rest: {byIndex: {3: ['...']}, general: ['...']}.
 */
export function listFieldErrors(fields, name) {
  const byIndex = {}
  const general = []
  for (const { path, message } of flattenFieldErrors(fields)) {
    const [head, index, ...rest] = path
    if (head === name && index !== undefined && /^\d+$/.test(index)) {
      const field = rest.filter((p) => !p.startsWith('_')).join('.')
      ;(byIndex[Number(index)] ||= []).push(field ? `${field}: ${message}` : message)
    } else {
      const where = path.filter((p) => !p.startsWith('_') && p !== name).join('.')
      general.push(where ? `${where}: ${message}` : message)
    }
  }
  return { byIndex, general }
}

const WEEKDAY_MESSAGE = new RegExp(`^(${WEEKDAYS.join('|')})(?: (\\d{2}:\\d{2})-(\\d{2}:\\d{2}))?:\\s*(.*)$`)
const OVERLAPS = / overlaps (\d{2}:\d{2})-(\d{2}:\d{2})/
const capitalise = (text) => text.charAt(0).toUpperCase() + text.slice(1)

/**
 * A 422 on a working week, put where the editor shows it. `days` are the seven arrays that were sent
 * (as weeklyFromDays() orders them). Item errors ("weekly.3.end") go to that interval; the API's own
 * messages name the day and times ("Monday 09:00-13:00: the start must be before the end.",
 * "Monday: 09:00-13:00 overlaps 12:00-18:00.") and go to that interval too, or to the day; the rest is
 * general. Returns {intervals: seven arrays of message arrays, days: seven message arrays, general}.
 */
export function weeklyServerErrors(fields, days) {
  const index = days.flatMap((list, d) => list.map((_, i) => [d, i]))
  const intervals = days.map((list) => list.map(() => []))
  const dayErrors = days.map(() => [])
  const { byIndex, general: rest } = listFieldErrors(fields, 'weekly')
  const general = []
  for (const [k, messages] of Object.entries(byIndex)) {
    const at = index[Number(k)]
    if (at) intervals[at[0]][at[1]].push(...messages)
    else general.push(...messages)
  }
  for (const message of rest) {
    const m = WEEKDAY_MESSAGE.exec(message)
    if (!m) {
      general.push(message)
      continue
    }
    const d = WEEKDAYS.indexOf(m[1])
    // An overlap is shown on the later of the two intervals, as validateWeekly() does.
    const target = m[2] ? [m[2], m[3]] : OVERLAPS.exec(m[4])?.slice(1, 3)
    const i = target ? days[d].findIndex((x) => x.start === target[0] && x.end === target[1]) : -1
    if (i >= 0) intervals[d][i].push(capitalise(m[4]))
    else dayErrors[d].push(capitalise(m[4]))
  }
  return { intervals, days: dayErrors, general }
}

/**
 * A booking as a 409 lists it (fields vary): {id, when, who, service, status} from whatever of
 * id / request_id, date_of_request / start, end_time / end, customer_name, service_name, status it has.
 */
export function describeBooking(b) {
  const start = b?.date_of_request ?? b?.start ?? null
  const end = b?.end_time ?? b?.end ?? null
  return {
    id: b?.id ?? b?.request_id ?? null,
    when: start ? formatSlotRange(start, end) : '',
    who: b?.customer_name || '',
    service: b?.service_name || '',
    status: b?.status || '',
  }
}
