import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ApiError } from '@/api/client'
import { scheduleApi } from '@/api/resources'
import TimeOffManager from '@/components/TimeOffManager.vue'
import { useUiStore } from '@/stores/ui'

vi.mock('@/api/resources', () => ({ scheduleApi: { addTimeOff: vi.fn(), removeTimeOff: vi.fn() } }))

const RouterLink = { props: ['to'], template: '<a :href="to"><slot /></a>' }
// Monday 30 Nov 2026, 09:30 in Kolkata.
const NOW = new Date('2026-11-30T04:00:00Z')
const TIME_OFF = [{ id: 5, start: '2026-12-04T10:00:00+05:30', end: '2026-12-04T14:00:00+05:30', reason: 'Dentist' }]

const mounted = []
function manager(props = {}) {
  const w = mount(TimeOffManager, { props: { timeOff: TIME_OFF, ...props }, global: { stubs: { RouterLink } }, attachTo: document.body })
  mounted.push(w)
  return w
}

let ui
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] })
  vi.setSystemTime(NOW)
  setActivePinia(createPinia())
  ui = useUiStore()
  vi.spyOn(ui, 'toast').mockImplementation(() => 1)
  scheduleApi.addTimeOff.mockReset()
  scheduleApi.removeTimeOff.mockReset()
})
afterEach(() => {
  while (mounted.length) mounted.pop().unmount()
  vi.useRealTimers()
})

describe('TimeOffManager', () => {
  it('lists the time off in India time, and offers tomorrow 09:00–18:00 to add', () => {
    const w = manager()
    const row = w.get('[data-testid="time-off-row"]')
    expect(row.attributes('data-time-off-id')).toBe('5')
    expect(row.get('[data-testid="time-off-when"]').text()).toBe('Fri 4 Dec, 10:00–14:00')
    expect(row.get('[data-testid="time-off-reason"]').text()).toBe('Dentist')
    expect(w.get('#time-off-start-date').element.value).toBe('2026-12-01')
    expect(w.get('#time-off-start-time').element.value).toBe('09:00')
    expect(w.get('#time-off-end-time').element.value).toBe('18:00')
  })

  it('says so when there is none', () => {
    expect(manager({ timeOff: [] }).get('[data-testid="empty-state"]').text()).toContain('No time off planned')
  })

  it('sends the times as India time with their offset', async () => {
    scheduleApi.addTimeOff.mockImplementation(async (body) => ({ id: 9, reason: null, ...body }))
    const w = manager()
    await w.get('#time-off-start-date').setValue('2026-12-24')
    await w.get('#time-off-start-time').setValue('00:00')
    await w.get('#time-off-end-date').setValue('2026-12-26')
    await w.get('#time-off-end-time').setValue('00:00')
    await w.get('#time-off-reason').setValue('  Christmas ')
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(scheduleApi.addTimeOff).toHaveBeenCalledWith({ start: '2026-12-24T00:00:00+05:30', end: '2026-12-26T00:00:00+05:30', reason: 'Christmas' })
    expect(w.emitted('added')[0][0]).toMatchObject({ id: 9 })
    expect(ui.toast).toHaveBeenCalled()
  })

  it('checks the end before sending', async () => {
    const w = manager()
    await w.get('#time-off-end-time').setValue('08:00')
    await w.get('form').trigger('submit')
    expect(scheduleApi.addTimeOff).not.toHaveBeenCalled()
    expect(w.get('[data-testid="time-off-end-date-error"]').text()).toBe('The end must be after the start.')
  })

  it('lists the bookings in the way after a 409', async () => {
    scheduleApi.addTimeOff.mockRejectedValue(
      new ApiError(409, 'This time off covers 1 accepted booking(s); withdraw or move them first.', {}, {
        bookings: [{ id: 12, date_of_request: '2026-12-01T10:30:00+05:30', end_time: '2026-12-01T11:15:00+05:30', customer_name: 'Meera Iyer' }],
      }),
    )
    const w = manager()
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(w.get('[data-testid="time-off-error"]').text()).toContain('covers 1 accepted booking')
    const conflict = w.get('[data-testid="time-off-conflict"]')
    expect(conflict.attributes('data-request-id')).toBe('12')
    expect(conflict.text()).toContain('#12')
    expect(conflict.text()).toContain('Tue 1 Dec, 10:30–11:15')
    expect(conflict.text()).toContain('Meera Iyer')
    expect(w.emitted('added')).toBeUndefined()
  })

  it('removes time off after a confirmation', async () => {
    scheduleApi.removeTimeOff.mockResolvedValue(null)
    const w = manager()
    await w.get('[data-testid="time-off-delete"]').trigger('click')
    await flushPromises()
    const dialog = document.body.querySelector('[data-testid="confirm-modal"]')
    expect(dialog.textContent).toContain('Fri 4 Dec, 10:00–14:00')
    expect(scheduleApi.removeTimeOff).not.toHaveBeenCalled()
    dialog.querySelector('[data-testid="confirm-ok"]').click()
    await flushPromises()
    expect(scheduleApi.removeTimeOff).toHaveBeenCalledWith(5)
    expect(w.emitted('removed')).toEqual([[5]])
  })
})
