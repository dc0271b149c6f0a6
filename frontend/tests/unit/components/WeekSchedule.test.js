import { mount } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import WeekSchedule from '@/components/WeekSchedule.vue'

// Wednesday 2 Dec 2026, 10:00 in Kolkata.
const NOW = new Date('2026-12-02T04:30:00Z')
const weekly = [
  { weekday: 0, start: '09:00', end: '13:00' },
  { weekday: 0, start: '14:00', end: '18:00' },
  { weekday: 2, start: '09:00', end: '18:00' },
]
const bookings = [
  { id: 11, status: 'assigned', service_name: 'Plumbing', customer_name: 'Meera', date_of_request: '2026-12-02T10:30:00+05:30', end_time: '2026-12-02T11:15:00+05:30' },
  { id: 12, status: 'requested', service_name: 'Plumbing', customer_name: 'Asha', date_of_request: '2026-12-02T09:00:00+05:30', end_time: '2026-12-02T09:45:00+05:30' },
  { id: 13, status: 'cancelled', service_name: 'Plumbing', customer_name: 'Kiran', date_of_request: '2026-12-03T09:00:00+05:30', end_time: '2026-12-03T09:45:00+05:30' },
  { id: 14, status: 'assigned', service_name: 'Plumbing', customer_name: 'Ravi', date_of_request: '2026-12-09T09:00:00+05:30', end_time: '2026-12-09T09:45:00+05:30' },
]
const timeOff = [{ id: 5, start: '2026-12-04T00:00:00+05:30', end: '2026-12-05T00:00:00+05:30', reason: 'Family wedding' }]

function week(props = {}) {
  const w = mount(WeekSchedule, {
    props: { week: '2026-11-30', bookings, timeOff, weekly, 'onUpdate:week': (v) => w.setProps({ week: v }), ...props },
  })
  return w
}
const day = (w, key) => w.get(`[data-testid="week-day"][data-date="${key}"]`)

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] })
  vi.setSystemTime(NOW)
})
afterEach(() => vi.useRealTimers())

describe('WeekSchedule', () => {
  it('shows Monday to Sunday with their working hours, today marked', () => {
    const w = week()
    expect(w.get('[data-testid="week-range"]').text()).toBe('30 Nov – 6 Dec 2026')
    const days = w.findAll('[data-testid="week-day"]')
    expect(days.map((d) => d.attributes('data-date'))).toEqual(['2026-11-30', '2026-12-01', '2026-12-02', '2026-12-03', '2026-12-04', '2026-12-05', '2026-12-06'])
    expect(day(w, '2026-11-30').get('[data-testid="week-hours"]').text()).toContain('09:00–13:00, 14:00–18:00')
    expect(day(w, '2026-12-01').get('[data-testid="week-hours"]').text()).toContain('Day off')
    expect(day(w, '2026-12-02').attributes('aria-current')).toBe('date')
    expect(day(w, '2026-12-02').text()).toContain('Today')
    expect(w.get('[data-testid="week-this"]').attributes('disabled')).toBeDefined()
  })

  it('lists the bookings that hold time and the time off on their days, in order', () => {
    const w = week()
    const wednesday = day(w, '2026-12-02').findAll('[data-testid="schedule-booking"]')
    expect(wednesday.map((b) => [b.attributes('data-request-id'), b.attributes('data-status')])).toEqual([
      ['12', 'requested'],
      ['11', 'assigned'],
    ])
    expect(wednesday[1].text()).toContain('10:30–11:15')
    expect(wednesday[1].text()).toContain('Meera')
    expect(w.find('[data-request-id="13"]').exists()).toBe(false) // cancelled
    expect(w.find('[data-request-id="14"]').exists()).toBe(false) // next week
    const off = day(w, '2026-12-04').get('[data-testid="schedule-time-off"]')
    expect(off.attributes('data-time-off-id')).toBe('5')
    expect(off.text()).toContain('All day')
    expect(off.text()).toContain('Family wedding')
    expect(w.get('[data-testid="week-count"]').text()).toContain('2 bookings')
  })

  it('moves a week back and forth, and back to this week', async () => {
    const w = week()
    await w.get('[data-testid="week-next"]').trigger('click')
    expect(w.emitted('update:week').at(-1)).toEqual(['2026-12-07'])
    expect(w.get('[data-testid="week-range"]').text()).toBe('7 – 13 Dec 2026')
    expect(w.find('[data-request-id="14"]').exists()).toBe(true)
    expect(w.get('[data-testid="week-this"]').attributes('disabled')).toBeUndefined()
    await w.get('[data-testid="week-prev"]').trigger('click')
    await w.get('[data-testid="week-prev"]').trigger('click')
    expect(w.emitted('update:week').at(-1)).toEqual(['2026-11-23'])
    await w.get('[data-testid="week-this"]').trigger('click')
    expect(w.emitted('update:week').at(-1)).toEqual(['2026-11-30'])
  })

  it('names its buttons for screen readers', () => {
    const w = week()
    expect(w.get('[data-testid="week-prev"]').text()).toContain('Previous week')
    expect(w.get('[data-testid="week-next"]').text()).toContain('Next week')
  })

  it('shows a spinner or an error instead of the days', async () => {
    const w = week({ loading: true })
    expect(w.find('[data-testid="loading"]').exists()).toBe(true)
    expect(w.find('[data-testid="week-grid"]').exists()).toBe(false)
    const retry = vi.fn()
    await w.setProps({ loading: false, error: 'Could not load.', retry })
    await w.get('[data-testid="error-alert"] button').trigger('click')
    expect(retry).toHaveBeenCalled()
  })
})
