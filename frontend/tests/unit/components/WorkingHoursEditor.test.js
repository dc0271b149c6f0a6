import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { ApiError } from '@/api/client'
import { scheduleApi } from '@/api/resources'
import WorkingHoursEditor from '@/components/WorkingHoursEditor.vue'
import { useUiStore } from '@/stores/ui'

vi.mock('@/api/resources', () => ({ scheduleApi: { saveWeekly: vi.fn() } }))

const WEEKLY = [
  { weekday: 0, start: '09:00', end: '18:00' },
  { weekday: 5, start: '10:00', end: '14:00' },
]
const dayOf = (w, d) => w.get(`[data-testid="hours-day"][data-weekday="${d}"]`)
const intervals = (w, d) => dayOf(w, d).findAll('[data-testid="hours-interval"]').map((i) => [i.attributes('data-start'), i.attributes('data-end')])

let ui
beforeEach(() => {
  setActivePinia(createPinia())
  ui = useUiStore()
  vi.spyOn(ui, 'toast').mockImplementation(() => 1)
  scheduleApi.saveWeekly.mockReset()
})

describe('WorkingHoursEditor', () => {
  it('shows seven days with their intervals, a day without any as a day off', () => {
    const w = mount(WorkingHoursEditor, { props: { weekly: WEEKLY } })
    expect(w.findAll('[data-testid="hours-day"]')).toHaveLength(7)
    expect(intervals(w, 0)).toEqual([['09:00', '18:00']])
    expect(intervals(w, 1)).toEqual([])
    expect(dayOf(w, 1).text()).toContain('Day off')
    expect(dayOf(w, 0).text()).toContain('9 h')
    expect(w.get('[data-testid="hours-save"]').attributes('disabled')).toBeDefined() // nothing changed yet
  })

  it('labels its selects, offers the 30-minute grid and 24:00 as an end', () => {
    const w = mount(WorkingHoursEditor, { props: { weekly: WEEKLY } })
    const start = dayOf(w, 0).get('[data-testid="hours-start"]')
    expect(w.get(`label[for="${start.attributes('id')}"]`).text()).toBe('From')
    const starts = start.findAll('option:not([disabled])').map((o) => o.element.value)
    expect(starts[0]).toBe('00:00')
    expect(starts.at(-1)).toBe('23:30')
    expect(starts).toHaveLength(48)
    const ends = dayOf(w, 0).get('[data-testid="hours-end"]').findAll('option:not([disabled])').map((o) => o.element.value)
    expect(ends.at(-1)).toBe('24:00')
    expect(dayOf(w, 0).get('[data-testid="hours-remove"]').text()).toBe('Remove 09:00–18:00 on Monday')
  })

  it('adds hours after the last interval of a day, 09:00–18:00 on a free day, and removes them', async () => {
    const w = mount(WorkingHoursEditor, { props: { weekly: WEEKLY } })
    await dayOf(w, 0).get('[data-testid="hours-add"]').trigger('click')
    expect(intervals(w, 0)).toEqual([['09:00', '18:00'], ['18:00', '20:00']])
    await dayOf(w, 6).get('[data-testid="hours-add"]').trigger('click')
    expect(intervals(w, 6)).toEqual([['09:00', '18:00']])
    expect(w.get('[data-testid="hours-save"]').attributes('disabled')).toBeUndefined()
    await dayOf(w, 0).findAll('[data-testid="hours-remove"]')[0].trigger('click')
    expect(intervals(w, 0)).toEqual([['18:00', '20:00']])
    await w.get('[data-testid="hours-undo"]').trigger('click')
    expect(intervals(w, 0)).toEqual([['09:00', '18:00']])
    expect(intervals(w, 6)).toEqual([])
  })

  it('flags an overlap at once and does not send it', async () => {
    const w = mount(WorkingHoursEditor, { props: { weekly: WEEKLY } })
    await dayOf(w, 0).get('[data-testid="hours-add"]').trigger('click')
    await dayOf(w, 0).findAll('[data-testid="hours-start"]')[1].setValue('17:00')
    const error = dayOf(w, 0).get('[data-testid="hours-interval-error"]')
    expect(error.text()).toBe('Overlaps 09:00–18:00.')
    const select = dayOf(w, 0).findAll('[data-testid="hours-start"]')[1]
    expect(select.attributes('aria-invalid')).toBe('true')
    expect(select.attributes('aria-describedby')).toBe(error.attributes('id'))
    await w.get('form').trigger('submit')
    expect(scheduleApi.saveWeekly).not.toHaveBeenCalled()
    expect(w.get('[data-testid="hours-error"]').text()).toContain('Please fix the highlighted hours')
  })

  it('saves the whole week in order and takes the server’s answer', async () => {
    const saved = { weekly: [...WEEKLY, { weekday: 0, start: '19:00', end: '24:00' }], time_off: [] }
    scheduleApi.saveWeekly.mockResolvedValue(saved)
    const w = mount(WorkingHoursEditor, { props: { weekly: WEEKLY } })
    await dayOf(w, 0).get('[data-testid="hours-add"]').trigger('click')
    const [, second] = dayOf(w, 0).findAll('[data-testid="hours-interval"]')
    await second.get('[data-testid="hours-start"]').setValue('19:00')
    await second.get('[data-testid="hours-end"]').setValue('24:00')
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(scheduleApi.saveWeekly).toHaveBeenCalledWith([
      { weekday: 0, start: '09:00', end: '18:00' },
      { weekday: 0, start: '19:00', end: '24:00' },
      { weekday: 5, start: '10:00', end: '14:00' },
    ])
    expect(w.emitted('saved')).toEqual([[saved]])
    expect(ui.toast).toHaveBeenCalled()
    expect(w.get('[data-testid="hours-save"]').attributes('disabled')).toBeDefined() // saved: nothing to save
  })

  it('shows a 422 next to the interval it names', async () => {
    scheduleApi.saveWeekly.mockRejectedValue(
      new ApiError(422, 'The working hours are not valid.', { weekly: ['Saturday 10:00-14:00: times must be on the 30-minute grid.', 'Too many.'] }),
    )
    const w = mount(WorkingHoursEditor, { props: { weekly: WEEKLY } })
    await dayOf(w, 6).get('[data-testid="hours-add"]').trigger('click')
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(dayOf(w, 5).get('[data-testid="hours-interval-error"]').text()).toBe('Times must be on the 30-minute grid.')
    expect(w.get('[data-testid="hours-error"]').text()).toBe('The working hours are not valid. Too many.')
    // Changing anything clears what the server said about the old values.
    await dayOf(w, 5).get('[data-testid="hours-end"]').setValue('15:00')
    expect(dayOf(w, 5).find('[data-testid="hours-interval-error"]').exists()).toBe(false)
  })
})
