import { flushPromises, mount } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ApiError } from '@/api/client'
import SlotPicker from '@/components/SlotPicker.vue'
import { scheduleApi } from '@/api/resources'

vi.mock('@/api/resources', () => ({ scheduleApi: { slots: vi.fn() } }))

const slot = (day, time, minutes = 45) => {
  const start = new Date(`${day}T${time}:00+05:30`)
  return { start: `${day}T${time}:00+05:30`, end: new Date(start.getTime() + minutes * 60_000).toISOString() }
}
// Monday 30 Nov 2026, 09:30 in Kolkata (01:00 in São Paulo, where the tests run).
const NOW = new Date('2026-11-30T04:00:00Z')
const SLOTS = [slot('2026-12-01', '10:30'), slot('2026-12-01', '09:00'), slot('2026-12-03', '14:00')]

const mounted = []
function picker(props = {}) {
  const w = mount(SlotPicker, {
    props: {
      professionalId: 7,
      modelValue: null,
      earliest: false,
      'onUpdate:modelValue': (v) => w.setProps({ modelValue: v }),
      'onUpdate:earliest': (v) => w.setProps({ earliest: v }),
      ...props,
    },
    attachTo: document.body,
  })
  mounted.push(w)
  return w
}
const testids = (w, id) => w.findAll(`[data-testid="${id}"]`)

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] })
  vi.setSystemTime(NOW)
  scheduleApi.slots.mockReset()
  scheduleApi.slots.mockResolvedValue(SLOTS)
})
afterEach(() => {
  while (mounted.length) mounted.pop().unmount()
  vi.useRealTimers()
})

describe('SlotPicker', () => {
  it('asks for the slots of a booking being moved with its id, so that its own time counts as free', async () => {
    picker({ requestId: 42 })
    await flushPromises()
    expect(scheduleApi.slots).toHaveBeenCalledWith(7, '2026-11-30', 14, 42)
  })

  it('fetches 14 days from today (in Kolkata) once and shows them as a strip', async () => {
    const w = picker()
    await flushPromises()
    expect(scheduleApi.slots).toHaveBeenCalledTimes(1)
    expect(scheduleApi.slots).toHaveBeenCalledWith(7, '2026-11-30', 14, null)
    const days = testids(w, 'slot-day')
    expect(days).toHaveLength(14)
    expect(days[0].attributes('data-date')).toBe('2026-11-30')
    expect(days[0].text()).toMatch(/Mon\s*30\s*Nov/)
    expect(days[13].attributes('data-date')).toBe('2026-12-13')
    const available = days.filter((d) => d.attributes('disabled') === undefined).map((d) => d.attributes('data-date'))
    expect(available).toEqual(['2026-12-01', '2026-12-03'])
    expect(days[0].attributes('aria-label')).toBe('Monday 30 November: no free time')
    expect(days[1].attributes('aria-label')).toBe('Tuesday 1 December: 2 free times')
  })

  it('opens on the first day with free times, its times in order, none chosen yet', async () => {
    const w = picker()
    await flushPromises()
    const pressed = testids(w, 'slot-day').filter((d) => d.attributes('aria-pressed') === 'true')
    expect(pressed.map((d) => d.attributes('data-date'))).toEqual(['2026-12-01'])
    const times = testids(w, 'slot-time')
    expect(times.map((t) => t.text())).toEqual(['09:00', '10:30'])
    expect(times.map((t) => t.attributes('aria-pressed'))).toEqual(['false', 'false'])
    expect(times[1].attributes('aria-label')).toBe('10:30 to 11:15')
    expect(w.get('[data-testid="slot-times"]').attributes('aria-label')).toBe('Free times on Tuesday 1 December')
    expect(w.get('[data-testid="slot-summary"]').text()).toBe('')
  })

  it('chooses a time, presses it and says what was chosen', async () => {
    const w = picker()
    await flushPromises()
    await testids(w, 'slot-time')[1].trigger('click')
    expect(w.emitted('update:modelValue').at(-1)).toEqual([SLOTS[0]])
    expect(w.emitted('update:earliest')).toBeUndefined() // it was not chosen, so nothing changes
    expect(testids(w, 'slot-time').map((t) => t.attributes('aria-pressed'))).toEqual(['false', 'true'])
    expect(w.get('[data-testid="slot-summary"]').text()).toBe('Chosen: Tue 1 Dec, 10:30–11:15')
  })

  it('shows another day’s times when that day is chosen', async () => {
    const w = picker()
    await flushPromises()
    await w.get('[data-testid="slot-day"][data-date="2026-12-03"]').trigger('click')
    expect(w.get('[data-testid="slot-day"][data-date="2026-12-03"]').attributes('aria-pressed')).toBe('true')
    expect(testids(w, 'slot-time').map((t) => t.text())).toEqual(['14:00'])
  })

  it('offers "Earliest available" only when asked, with the first free time', async () => {
    expect(picker().find('[data-testid="slot-earliest"]').exists()).toBe(false)
    const w = picker({ allowEarliest: true, modelValue: SLOTS[0] })
    await flushPromises()
    const earliest = w.get('[data-testid="slot-earliest"]')
    expect(earliest.text()).toContain('Now Tue 1 Dec, 09:00')
    expect(earliest.attributes('aria-pressed')).toBe('false')
    await earliest.trigger('click')
    expect(w.emitted('update:modelValue').at(-1)).toEqual([null])
    expect(w.emitted('update:earliest').at(-1)).toEqual([true])
    expect(w.get('[data-testid="slot-earliest"]').attributes('aria-pressed')).toBe('true')
    expect(testids(w, 'slot-time').every((t) => t.attributes('aria-pressed') === 'false')).toBe(true)
    expect(w.get('[data-testid="slot-summary"]').text()).toContain('Tue 1 Dec, 09:00')
  })

  it('shows the nearest free times of a 409 and chooses one, going to its day', async () => {
    const w = picker({ nearest: [SLOTS[2]] })
    await flushPromises()
    const nearest = testids(w, 'slot-nearest-time')
    expect(nearest.map((b) => b.text())).toEqual(['Thu 3 Dec, 14:00'])
    await nearest[0].trigger('click')
    expect(w.emitted('update:modelValue').at(-1)).toEqual([SLOTS[2]])
    expect(w.get('[data-testid="slot-day"][data-date="2026-12-03"]').attributes('aria-pressed')).toBe('true')
    expect(testids(w, 'slot-time')[0].attributes('aria-pressed')).toBe('true')
    expect(testids(w, 'slot-nearest-time')[0].attributes('aria-pressed')).toBe('true')
  })

  it('moves the focus along a row with the arrow keys, over disabled days', async () => {
    const w = picker()
    await flushPromises()
    const first = w.get('[data-testid="slot-day"][data-date="2026-12-01"]')
    first.element.focus()
    await first.trigger('keydown', { key: 'ArrowRight' })
    expect(document.activeElement.getAttribute('data-date')).toBe('2026-12-03')
    await w.get('[data-testid="slot-days"]').trigger('keydown', { key: 'ArrowLeft' })
    expect(document.activeElement.getAttribute('data-date')).toBe('2026-12-01')
  })

  it('says when there is no free time at all', async () => {
    scheduleApi.slots.mockResolvedValue([])
    const w = picker({ allowEarliest: true })
    await flushPromises()
    expect(w.get('[data-testid="slot-none"]').text()).toContain('No free times in the next 14 days')
    expect(w.get('[data-testid="slot-earliest"]').attributes('disabled')).toBeDefined()
    expect(testids(w, 'slot-time')).toHaveLength(0)
  })

  it('shows a failed fetch with a way to try again, and reloads on demand', async () => {
    scheduleApi.slots.mockRejectedValueOnce(new ApiError(404, 'Not found.'))
    const w = picker()
    await flushPromises()
    expect(w.get('[data-testid="slot-load-error"]').text()).toContain('Not found.')
    await w.get('[data-testid="slot-load-error"] button').trigger('click')
    await flushPromises()
    expect(testids(w, 'slot-time')).toHaveLength(2)
    await w.vm.reload()
    expect(scheduleApi.slots).toHaveBeenCalledTimes(3)
  })

  it('shows the error it is given and points the group to it', async () => {
    const w = picker({ idPrefix: 'booking', error: 'Choose a day and a time.' })
    await flushPromises()
    const error = w.get('[data-testid="booking-date-error"]')
    expect(error.text()).toBe('Choose a day and a time.')
    expect(w.get('fieldset').attributes('aria-describedby')).toContain(error.attributes('id'))
  })
})
