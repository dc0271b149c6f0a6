import { afterEach, describe, expect, it } from 'vitest'
import {
  STATUS_LABELS,
  dateFromInputs,
  formatDate,
  formatDateTime,
  formatDay,
  formatMinutes,
  formatMoney,
  formatRating,
  inputsFromIso,
  localDateInput,
  localTimeInput,
  statusTabs,
  toIsoWithOffset,
} from '@/utils/format'

// The tests run in America/Sao_Paulo (UTC-3, tests/unit/setup.js). Expected texts come from Intl
// with the options the app uses, so they hold in any locale; what is checked is which instant or
// which day gets formatted.
const localDateTime = (...parts) =>
  new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(...parts))
const localDate = (...parts) => new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' }).format(new Date(...parts))
const localDay = (...parts) => new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' }).format(new Date(...parts))

describe('formatMoney', () => {
  // The formatter itself lives in utils/money.js (tests/unit/utils/money.test.js); format.js passes it on.
  it('is the money formatter', () => {
    expect(formatMoney(1299)).toBe('₹1,299')
    expect(formatMoney('499.5')).toBe('₹499.50')
  })
})

describe('formatDateTime', () => {
  it("shows the instant in the browser's time zone", () => {
    // 02:00 UTC on New Year's Day is still 23:00 on 31 December in São Paulo.
    expect(formatDateTime('2026-01-01T02:00:00Z')).toBe(localDateTime(2025, 11, 31, 23, 0))
    expect(formatDateTime('2026-11-02T10:00:00+05:30')).toBe(localDateTime(2026, 10, 2, 1, 30))
  })

  it('takes a Date as well as a string', () => {
    expect(formatDateTime(new Date(2026, 4, 17, 9, 5))).toBe(localDateTime(2026, 4, 17, 9, 5))
  })

  it.each([null, undefined, '', 'not a date', '2026-13-45T99:00:00Z'])('shows a dash for %j', (value) => {
    expect(formatDateTime(value)).toBe('—')
  })
})

describe('formatDate', () => {
  it("shows the day in the browser's time zone", () => {
    expect(formatDate('2026-01-01T02:00:00Z')).toBe(localDate(2025, 11, 31))
  })

  it.each([null, '', 'yesterday'])('shows a dash for %j', (value) => {
    expect(formatDate(value)).toBe('—')
  })
})

describe('formatDay', () => {
  it('reads YYYY-MM-DD as a calendar day, not as midnight UTC', () => {
    expect(formatDay('2026-11-01')).toBe(localDay(2026, 10, 1))
    expect(formatDay('2026-11-01')).not.toBe(localDay(2026, 9, 31))
  })

  it('gives back what is not a calendar day as it came', () => {
    expect(formatDay('2026-11')).toBe('2026-11')
    expect(formatDay('2026-11-01T10:00')).toBe('2026-11-01T10:00')
    expect(formatDay('')).toBe('')
    expect(formatDay(null)).toBe('')
    expect(formatDay(undefined)).toBe('')
  })
})

describe('formatMinutes', () => {
  it.each([
    [1, '1 min'],
    [45, '45 min'],
    [59, '59 min'],
    [60, '1 h'],
    [61, '1 h 1 min'],
    [90, '1 h 30 min'],
    [120, '2 h'],
    ['75', '1 h 15 min'],
  ])('%j minutes → %s', (minutes, text) => {
    expect(formatMinutes(minutes)).toBe(text)
  })

  it.each([0, -5, null, undefined, '', 'abc', Number.POSITIVE_INFINITY])('shows a dash for %j', (value) => {
    expect(formatMinutes(value)).toBe('—')
  })
})

describe('formatRating', () => {
  it('shows one decimal out of five', () => {
    expect(formatRating(4)).toBe('4.0 / 5')
    expect(formatRating(4.25)).toBe('4.3 / 5')
    expect(formatRating('3.5')).toBe('3.5 / 5')
  })

  it('says so when there is no rating, but shows a zero', () => {
    expect(formatRating(null)).toBe('No ratings yet')
    expect(formatRating(undefined)).toBe('No ratings yet')
    expect(formatRating(0)).toBe('0.0 / 5')
  })
})

describe('localDateInput and localTimeInput', () => {
  it('give the local calendar day and time with leading zeros', () => {
    const d = new Date(2026, 0, 5, 7, 3)
    expect(localDateInput(d)).toBe('2026-01-05')
    expect(localTimeInput(d)).toBe('07:03')
  })

  it('use local time, not UTC', () => {
    // 01:30 UTC on 1 March is 22:30 on 28 February in São Paulo.
    const d = new Date('2026-03-01T01:30:00Z')
    expect(localDateInput(d)).toBe('2026-02-28')
    expect(localTimeInput(d)).toBe('22:30')
  })
})

describe('dateFromInputs', () => {
  it('builds the local date and time', () => {
    const d = dateFromInputs('2026-11-02', '10:15')
    expect(d).toEqual(new Date(2026, 10, 2, 10, 15))
    expect(d.toISOString()).toBe('2026-11-02T13:15:00.000Z')
  })

  it('accepts the seconds some browsers add to a time input', () => {
    expect(dateFromInputs('2026-11-02', '10:15:30')).toEqual(new Date(2026, 10, 2, 10, 15))
  })

  it.each([
    ['', '10:00'],
    ['2026-11-02', ''],
    [null, null],
    ['2026-11-2', '10:00'],
    ['02/11/2026', '10:00'],
    ['2026-11-02', '10'],
    ['2026-11-02', '10h00'],
  ])('is null for %j and %j', (date, time) => {
    expect(dateFromInputs(date, time)).toBeNull()
  })
})

describe('toIsoWithOffset', () => {
  const zone = process.env.TZ
  afterEach(() => {
    process.env.TZ = zone
  })

  it('writes local time with its offset', () => {
    expect(toIsoWithOffset(new Date(2026, 10, 2, 10, 0, 5))).toBe('2026-11-02T10:00:05-03:00')
  })

  it('writes a half-hour offset east of UTC', () => {
    process.env.TZ = 'Asia/Kolkata'
    expect(toIsoWithOffset(new Date(Date.UTC(2026, 10, 2, 4, 30)))).toBe('2026-11-02T10:00:00+05:30')
  })

  it('writes UTC as +00:00', () => {
    process.env.TZ = 'UTC'
    expect(toIsoWithOffset(new Date(Date.UTC(2026, 0, 1, 0, 0)))).toBe('2026-01-01T00:00:00+00:00')
  })

  it('names the same instant it was given', () => {
    const d = new Date(Date.UTC(2026, 6, 14, 21, 45, 9))
    expect(new Date(toIsoWithOffset(d)).getTime()).toBe(d.getTime())
  })
})

describe('inputsFromIso', () => {
  it('splits an instant into local date and time inputs', () => {
    expect(inputsFromIso('2026-11-02T10:00:00+05:30')).toEqual({ date: '2026-11-02', time: '01:30' })
    expect(inputsFromIso('2026-01-01T02:00:00Z')).toEqual({ date: '2025-12-31', time: '23:00' })
  })

  it('round-trips through dateFromInputs', () => {
    const { date, time } = inputsFromIso('2026-07-14T18:45:00Z')
    expect(dateFromInputs(date, time).toISOString()).toBe('2026-07-14T18:45:00.000Z')
  })

  it.each([null, undefined, '', 'soon'])('gives empty inputs for %j', (value) => {
    expect(inputsFromIso(value)).toEqual({ date: '', time: '' })
  })
})

describe('statusTabs', () => {
  it('names each status as the badges do, in the order given', () => {
    expect(statusTabs(['all', 'requested', 'closed'])).toEqual([
      { value: 'all', label: 'All' },
      { value: 'requested', label: STATUS_LABELS.requested },
      { value: 'closed', label: 'Closed' },
    ])
  })

  it('lets a view rename some tabs', () => {
    expect(statusTabs(['requested', 'closed', 'all'], { requested: 'Incoming', closed: 'Completed' })).toEqual([
      { value: 'requested', label: 'Incoming' },
      { value: 'closed', label: 'Completed' },
      { value: 'all', label: 'All' },
    ])
  })

  it('falls back to the value for an unknown status and gives nothing for no statuses', () => {
    expect(statusTabs(['archived'])).toEqual([{ value: 'archived', label: 'archived' }])
    expect(statusTabs([])).toEqual([])
  })
})
