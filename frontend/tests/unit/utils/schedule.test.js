import { describe, expect, it } from 'vitest'
import {
  addDays,
  buildDayStrip,
  buildWeek,
  dayKeyOf,
  dayLabel,
  describeBooking,
  firstSlot,
  flattenFieldErrors,
  formatSlot,
  formatSlotRange,
  formatTimeOfDay,
  formatWeekRange,
  groupSlotsByDay,
  holdsTime,
  isDayKey,
  listFieldErrors,
  mondayOf,
  sameInstant,
  timeChoices,
  timeToMinutes,
  todayKey,
  validateWeekly,
  weekdayOf,
  weeklyByDay,
  weeklyFromDays,
  weeklyServerErrors,
  zonedInstant,
  zonedIso,
} from '@/utils/schedule'

// The tests run in America/Sao_Paulo (UTC-3, tests/unit/setup.js): every day and time below is the
// platform's (Asia/Kolkata, UTC+5:30), whatever the browser's zone is.

describe('calendar days', () => {
  it('reads the platform day of an instant, not the browser’s', () => {
    // 20:00 UTC on 30 Nov is 01:30 on 1 Dec in Kolkata, and still 17:00 on 30 Nov in São Paulo.
    expect(dayKeyOf('2026-11-30T20:00:00Z')).toBe('2026-12-01')
    expect(dayKeyOf('2026-12-01T01:30:00+05:30')).toBe('2026-12-01')
    expect(dayKeyOf('2026-12-01T00:00:00+05:30')).toBe('2026-12-01')
    expect(dayKeyOf('2026-11-30T23:59:00+05:30')).toBe('2026-11-30')
    expect(dayKeyOf('nonsense')).toBe('')
    expect(todayKey(new Date('2026-11-30T19:00:00Z'))).toBe('2026-12-01')
  })

  it('counts days across months and years, Monday first', () => {
    expect(addDays('2026-11-30', 1)).toBe('2026-12-01')
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01')
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28')
    expect(weekdayOf('2026-11-30')).toBe(0) // a Monday
    expect(weekdayOf('2026-12-06')).toBe(6) // a Sunday
    expect(mondayOf('2026-12-06')).toBe('2026-11-30')
    expect(mondayOf('2026-11-30')).toBe('2026-11-30')
    expect(mondayOf('2027-01-01')).toBe('2026-12-28')
    expect(isDayKey('2026-02-29')).toBe(false)
    expect(isDayKey('2028-02-29')).toBe(true)
  })

  it('finds the instant of a platform wall-clock time, 24:00 being the next midnight', () => {
    expect(zonedInstant('2026-12-01', '10:30').toISOString()).toBe('2026-12-01T05:00:00.000Z')
    expect(zonedInstant('2026-12-01', '00:00').toISOString()).toBe('2026-11-30T18:30:00.000Z')
    expect(zonedInstant('2026-12-01', '24:00').toISOString()).toBe('2026-12-01T18:30:00.000Z')
    expect(zonedInstant('2026-12-01', '25:00')).toBeNull()
    expect(zonedInstant('bad', '10:00')).toBeNull()
    // Another zone, across a summer-time change: 10:00 in New York is 15:00 UTC in winter, 14:00 in summer.
    expect(zonedInstant('2026-01-15', '10:00', 'America/New_York').toISOString()).toBe('2026-01-15T15:00:00.000Z')
    expect(zonedInstant('2026-07-15', '10:00', 'America/New_York').toISOString()).toBe('2026-07-15T14:00:00.000Z')
  })

  it('writes instants for the API with the platform offset', () => {
    expect(zonedIso('2026-12-01T05:00:00Z')).toBe('2026-12-01T10:30:00+05:30')
    expect(zonedIso(zonedInstant('2026-12-24', '18:00'))).toBe('2026-12-24T18:00:00+05:30')
    expect(zonedIso('2026-07-15T14:00:00Z', 'America/New_York')).toBe('2026-07-15T10:00:00-04:00')
    expect(zonedIso('')).toBe('')
  })

  it('reads and writes times of day', () => {
    expect(timeToMinutes('09:30')).toBe(570)
    expect(timeToMinutes('24:00')).toBe(1440)
    expect(timeToMinutes('24:30')).toBeNaN()
    expect(timeToMinutes('9:30')).toBeNaN()
    expect(timeToMinutes('10:61')).toBeNaN()
    expect(timeChoices('start').slice(0, 3)).toEqual(['00:00', '00:30', '01:00'])
    expect(timeChoices('start').at(-1)).toBe('23:30')
    expect(timeChoices('start')).toHaveLength(48)
    expect(timeChoices('end')[0]).toBe('00:30')
    expect(timeChoices('end').at(-1)).toBe('24:00')
    expect(timeChoices('end', 60)).toHaveLength(24)
  })
})

describe('formatting in the platform zone', () => {
  it('shows a slot as "Tue 1 Dec, 10:30"', () => {
    expect(formatSlot('2026-12-01T10:30:00+05:30')).toBe('Tue 1 Dec, 10:30')
    expect(formatSlot('2026-12-01T05:00:00Z')).toBe('Tue 1 Dec, 10:30')
    expect(formatTimeOfDay('2026-11-30T18:30:00Z')).toBe('00:00')
    expect(formatSlot(null)).toBe('—')
  })

  it('shows a range on one day, across midnight, or up to midnight', () => {
    expect(formatSlotRange('2026-12-01T10:30:00+05:30', '2026-12-01T11:15:00+05:30')).toBe('Tue 1 Dec, 10:30–11:15')
    expect(formatSlotRange('2026-12-01T22:00:00+05:30', '2026-12-02T00:00:00+05:30')).toBe('Tue 1 Dec, 22:00–24:00')
    expect(formatSlotRange('2026-12-01T22:00:00+05:30', '2026-12-02T02:00:00+05:30')).toBe('Tue 1 Dec, 22:00 – Wed 2 Dec, 02:00')
    expect(formatSlotRange('2026-12-01T10:30:00+05:30', null)).toBe('Tue 1 Dec, 10:30')
  })

  it('names days and weeks', () => {
    expect(dayLabel('2026-12-01')).toMatchObject({ weekday: 'Tue', day: 1, month: 'Dec', short: 'Tue 1 Dec', long: 'Tuesday 1 December' })
    expect(formatWeekRange('2026-11-30')).toBe('30 Nov – 6 Dec 2026')
    expect(formatWeekRange('2026-12-07')).toBe('7 – 13 Dec 2026')
    expect(formatWeekRange('2026-12-28')).toBe('28 Dec 2026 – 3 Jan 2027')
  })
})

describe('groupSlotsByDay', () => {
  const slot = (start, end) => ({ start, end })

  it('groups by the platform day, in time order, without duplicates', () => {
    const slots = [
      slot('2026-12-02T09:00:00+05:30', '2026-12-02T09:45:00+05:30'),
      slot('2026-12-01T10:30:00+05:30', '2026-12-01T11:15:00+05:30'),
      slot('2026-12-01T09:00:00+05:30', '2026-12-01T09:45:00+05:30'),
      slot('2026-12-01T03:30:00Z', '2026-12-01T04:15:00Z'), // 09:00 IST again, spelt in UTC
      slot('2026-11-30T19:00:00Z', '2026-11-30T19:45:00Z'), // 00:30 IST on 1 Dec (still 30 Nov in UTC and in São Paulo)
      { start: 'garbage' },
      null,
    ]
    const byDay = groupSlotsByDay(slots)
    expect(Object.keys(byDay).sort()).toEqual(['2026-12-01', '2026-12-02'])
    expect(byDay['2026-12-01'].map((s) => formatTimeOfDay(s.start))).toEqual(['00:30', '09:00', '10:30'])
    expect(byDay['2026-12-02']).toHaveLength(1)
    expect(firstSlot(byDay).start).toBe('2026-11-30T19:00:00Z')
  })

  it('gives nothing for nothing', () => {
    expect(groupSlotsByDay(undefined)).toEqual({})
    expect(firstSlot({})).toBeNull()
  })

  it('builds the strip: every day, the ones without free time unavailable', () => {
    const byDay = groupSlotsByDay([slot('2026-12-02T09:00:00+05:30', '2026-12-02T09:45:00+05:30')])
    const strip = buildDayStrip('2026-11-30', 14, byDay)
    expect(strip).toHaveLength(14)
    expect(strip[0]).toMatchObject({ key: '2026-11-30', weekday: 'Mon', day: 30, month: 'Nov', available: false, slots: [] })
    expect(strip[2]).toMatchObject({ key: '2026-12-02', available: true })
    expect(strip[13].key).toBe('2026-12-13')
    expect(strip.filter((d) => d.available)).toHaveLength(1)
  })

  it('compares instants however they are written', () => {
    expect(sameInstant('2026-12-01T10:30:00+05:30', '2026-12-01T05:00:00Z')).toBe(true)
    expect(sameInstant('2026-12-01T10:30:00+05:30', '2026-12-01T10:30:00Z')).toBe(false)
    expect(sameInstant(null, null)).toBe(false)
  })
})

describe('buildWeek', () => {
  const weekly = [
    { weekday: 0, start: '14:00', end: '18:00' },
    { weekday: 0, start: '09:00', end: '13:00' },
    { weekday: 5, start: '09:00', end: '24:00' },
  ]
  const booking = (id, status, start, end) => ({ id, status, date_of_request: start, end_time: end, service_name: 'Plumbing' })

  it('gives seven days from Monday with their working hours', () => {
    const week = buildWeek('2026-11-30', { weekly }, { today: '2026-12-02' })
    expect(week.map((d) => d.key)).toEqual(['2026-11-30', '2026-12-01', '2026-12-02', '2026-12-03', '2026-12-04', '2026-12-05', '2026-12-06'])
    expect(week[0].hours).toEqual([{ start: '09:00', end: '13:00' }, { start: '14:00', end: '18:00' }])
    expect(week[1].hours).toEqual([])
    expect(week[5].hours).toEqual([{ start: '09:00', end: '24:00' }])
    expect(week.map((d) => d.isToday)).toEqual([false, false, true, false, false, false, false])
    expect(week.map((d) => d.isPast)).toEqual([true, true, false, false, false, false, false])
    expect(week[6].label.weekdayLong).toBe('Sunday')
  })

  it('puts bookings that hold time on their platform day, in order, with their times', () => {
    const bookings = [
      booking(1, 'assigned', '2026-12-01T14:00:00+05:30', '2026-12-01T14:45:00+05:30'),
      booking(2, 'requested', '2026-12-01T04:00:00Z', '2026-12-01T04:45:00Z'), // 09:30 IST
      booking(3, 'cancelled', '2026-12-01T11:00:00+05:30', '2026-12-01T11:45:00+05:30'),
      booking(4, 'rejected', '2026-12-02T11:00:00+05:30', '2026-12-02T11:45:00+05:30'),
      booking(5, 'closed', '2026-11-30T19:00:00Z', '2026-11-30T19:45:00Z'), // 00:30 IST on Tuesday
      booking(6, 'assigned', '2026-12-08T10:00:00+05:30', '2026-12-08T11:00:00+05:30'), // next week
      booking(7, 'assigned', null, null),
    ]
    const week = buildWeek('2026-11-30', { bookings }, { today: '2026-11-30' })
    const tuesday = week[1]
    expect(tuesday.items.map((i) => [i.id, i.time])).toEqual([
      [5, '00:30–01:15'],
      [2, '09:30–10:15'],
      [1, '14:00–14:45'],
    ])
    expect(tuesday.items.every((i) => i.kind === 'booking')).toBe(true)
    expect(week.flatMap((d) => d.items)).toHaveLength(3)
  })

  it('shows what spans midnight on each day it touches', () => {
    const bookings = [booking(9, 'assigned', '2026-12-05T22:30:00+05:30', '2026-12-06T01:00:00+05:30')]
    const timeOff = [
      { id: 1, start: '2026-12-02T00:00:00+05:30', end: '2026-12-04T00:00:00+05:30', reason: 'Wedding' },
      { id: 2, start: '2026-11-28T12:00:00+05:30', end: '2026-11-30T12:00:00+05:30', reason: null },
    ]
    const week = buildWeek('2026-11-30', { bookings, timeOff })
    expect(week[0].items.map((i) => [i.kind, i.id, i.time])).toEqual([['time-off', 2, 'until 12:00']])
    expect(week[2].items.map((i) => [i.id, i.time, i.startMin, i.endMin])).toEqual([[1, 'All day', 0, 1440]])
    expect(week[3].items.map((i) => i.time)).toEqual(['All day'])
    expect(week[4].items).toEqual([])
    expect(week[5].items.map((i) => [i.id, i.time, i.continuesAfter])).toEqual([[9, 'from 22:30', true]])
    expect(week[6].items.map((i) => [i.id, i.time, i.continuesBefore])).toEqual([[9, 'until 01:00', true]])
    const longer = buildWeek('2026-11-30', { timeOff: [{ id: 3, start: '2026-11-01T00:00:00+05:30', end: '2027-01-01T00:00:00+05:30' }] })
    expect(longer.map((d) => d.items[0].time)).toEqual(Array(7).fill('All day'))
  })

  it('lists time off before a booking that starts with it', () => {
    const week = buildWeek('2026-11-30', {
      bookings: [booking(1, 'assigned', '2026-12-01T10:00:00+05:30', '2026-12-01T11:00:00+05:30')],
      timeOff: [{ id: 7, start: '2026-12-01T10:00:00+05:30', end: '2026-12-01T11:00:00+05:30' }],
    })
    expect(week[1].items.map((i) => i.kind)).toEqual(['time-off', 'booking'])
  })

  it('knows which statuses hold time', () => {
    expect(['requested', 'assigned', 'completed', 'closed'].every((status) => holdsTime({ status }))).toBe(true)
    expect(['rejected', 'cancelled', 'expired', undefined].some((status) => holdsTime({ status }))).toBe(false)
  })
})

describe('working hours', () => {
  const day = (...intervals) => intervals.map(([start, end]) => ({ start, end }))
  const week = (overrides = {}) => Array.from({ length: 7 }, (_, i) => overrides[i] || [])

  it('turns the API’s list into seven sorted days and back', () => {
    const days = weeklyByDay([
      { weekday: 2, start: '14:00', end: '18:00' },
      { weekday: 2, start: '09:00', end: '13:00' },
      { weekday: 6, start: '10:00', end: '24:00' },
      { weekday: 9, start: '10:00', end: '11:00' },
    ])
    expect(days[2]).toEqual(day(['09:00', '13:00'], ['14:00', '18:00']))
    expect(days[6]).toEqual(day(['10:00', '24:00']))
    expect(days[0]).toEqual([])
    expect(weeklyFromDays(days)).toEqual([
      { weekday: 2, start: '09:00', end: '13:00' },
      { weekday: 2, start: '14:00', end: '18:00' },
      { weekday: 6, start: '10:00', end: '24:00' },
    ])
    expect(weeklyByDay(null)).toEqual(week())
  })

  it('accepts several intervals a day, touching ones, and 24:00 as an end', () => {
    const result = validateWeekly(week({ 0: day(['09:00', '13:00'], ['13:00', '18:00']), 5: day(['18:00', '24:00'], ['00:00', '06:30']) }))
    expect(result.valid).toBe(true)
    expect(result.errors[0]).toEqual([null, null])
    expect(result.errors[5]).toEqual([null, null])
  })

  it('finds overlaps within a day, whatever the order, and only there', () => {
    const result = validateWeekly(
      week({
        0: day(['14:00', '18:00'], ['09:00', '15:00']),
        1: day(['09:00', '18:00'], ['10:00', '11:00'], ['17:30', '19:00']),
        2: day(['09:00', '18:00']),
        3: day(['09:00', '18:00']),
      }),
    )
    expect(result.valid).toBe(false)
    expect(result.errors[0]).toEqual(['Overlaps 09:00–15:00.', null])
    expect(result.errors[1]).toEqual([null, 'Overlaps 09:00–18:00.', 'Overlaps 09:00–18:00.'])
    expect(result.errors[2]).toEqual([null])
    expect(result.errors[3]).toEqual([null])
  })

  it('refuses times off the grid, a start not before its end, and missing times', () => {
    const result = validateWeekly(
      week({
        0: day(['09:15', '12:00'], ['13:00', '12:00'], ['14:00', '14:00'], ['', '10:00'], ['10:00', ''], ['24:00', '24:00'], ['15:00', '00:00']),
      }),
    )
    expect(result.valid).toBe(false)
    expect(result.errors[0]).toEqual([
      'Times must be on the 30-minute grid (e.g. 09:00 or 09:30).',
      'The end must be after the start.',
      'The end must be after the start.',
      'Choose a start time.',
      'Choose an end time.',
      'Choose a start time.',
      'Choose an end time.',
    ])
    expect(validateWeekly(week({ 0: day(['09:15', '10:00']) }), 15).valid).toBe(true)
  })

  it('is valid for a week without any hours', () => {
    expect(validateWeekly(week())).toEqual({ valid: true, errors: week() })
  })
})

describe('server errors', () => {
  it('flattens nested validation errors', () => {
    expect(flattenFieldErrors({ weekly: { 3: { end: ['Not on the grid.'] }, _schema: ['Overlap on Monday.'] } })).toEqual([
      { path: ['weekly', '3', 'end'], message: 'Not on the grid.' },
      { path: ['weekly', '_schema'], message: 'Overlap on Monday.' },
    ])
    expect(flattenFieldErrors({ weekly: ['Overlapping intervals.'] })).toEqual([{ path: ['weekly'], message: 'Overlapping intervals.' }])
    expect(flattenFieldErrors(null)).toEqual([])
  })

  it('splits a list’s errors by item', () => {
    const { byIndex, general } = listFieldErrors(
      { weekly: { 1: { end: ['Must be after start.'] }, 4: ['Overlaps the interval before.'], _schema: ['Bad week.'] }, other: ['Unknown field.'] },
      'weekly',
    )
    expect(byIndex).toEqual({ 1: ['end: Must be after start.'], 4: ['Overlaps the interval before.'] })
    expect(general).toEqual(['Bad week.', 'other: Unknown field.'])
  })

  it('reads the API’s dotted keys as a path', () => {
    expect(flattenFieldErrors({ 'weekly.2.start': ['Not a time of day.'] })).toEqual([{ path: ['weekly', '2', 'start'], message: 'Not a time of day.' }])
  })

  it('puts a 422 on a week next to the intervals it names', () => {
    const day = (...intervals) => intervals.map(([start, end]) => ({ start, end }))
    const sent = [day(['09:00', '13:00'], ['12:00', '18:00']), day(['09:00', '18:00']), [], [], day(['10:00', '09:00']), [], day(['08:00', '10:00'])]
    const { intervals, days, general } = weeklyServerErrors(
      {
        weekly: [
          'Monday: 09:00-13:00 overlaps 12:00-18:00.',
          'Friday 10:00-09:00: the start must be before the end.',
          'Wednesday: something about the day.',
          'The week is wrong.',
        ],
        'weekly.4.end': ['Not a time of day.'], // the fifth interval sent: Sunday's
        'weekly.9.end': ['Not a time of day.'], // none such
      },
      sent,
    )
    expect(intervals[0]).toEqual([[], ['09:00-13:00 overlaps 12:00-18:00.']])
    expect(intervals[4]).toEqual([['The start must be before the end.']])
    expect(intervals[6]).toEqual([['end: Not a time of day.']])
    expect(days[2]).toEqual(['Something about the day.'])
    expect(general).toEqual(['end: Not a time of day.', 'The week is wrong.'])
  })

  it('describes the bookings of a 409, whatever their fields are called', () => {
    expect(
      describeBooking({ id: 12, date_of_request: '2026-12-01T10:30:00+05:30', end_time: '2026-12-01T11:15:00+05:30', customer_name: 'Meera', service_name: 'Plumbing', status: 'assigned' }),
    ).toEqual({ id: 12, when: 'Tue 1 Dec, 10:30–11:15', who: 'Meera', service: 'Plumbing', status: 'assigned' })
    expect(describeBooking({ request_id: 3, start: '2026-12-01T10:30:00+05:30', end: '2026-12-01T11:00:00+05:30' })).toMatchObject({
      id: 3,
      when: 'Tue 1 Dec, 10:30–11:00',
      who: '',
    })
    expect(describeBooking({})).toMatchObject({ id: null, when: '' })
  })
})
