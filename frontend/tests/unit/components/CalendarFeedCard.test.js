// The calendar subscription card: nothing is issued on load (each GET voids the previous link), the link
// shows with Copy and a webcal:// "Add to calendar", and a new link or turning it off asks first.
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { calendarApi } from '@/api/resources'
import CalendarFeedCard from '@/components/CalendarFeedCard.vue'

vi.mock('@/api/resources', () => ({
  calendarApi: { issueFeedUrl: vi.fn(), revokeFeedUrl: vi.fn(async () => null) },
}))

const URL1 = 'https://hs.example/api/calendar/feed/aaa.ics'
const URL2 = 'https://hs.example/api/calendar/feed/bbb.ics'
const mounted = []
const $ = (testid) => document.body.querySelector(`[data-testid="${testid}"]`)

function show() {
  const w = mount(CalendarFeedCard, { attachTo: document.body })
  mounted.push(w)
  return w
}

describe('CalendarFeedCard', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    vi.clearAllMocks()
    calendarApi.issueFeedUrl.mockReset()
    calendarApi.issueFeedUrl.mockResolvedValueOnce({ url: URL1 }).mockResolvedValueOnce({ url: URL2 })
  })
  afterEach(() => {
    while (mounted.length) mounted.pop().unmount()
  })

  it('asks for no link until the button is clicked', async () => {
    const w = show()
    await flushPromises()
    expect(calendarApi.issueFeedUrl).not.toHaveBeenCalled()
    expect(w.find('[data-testid="calendar-url"]').exists()).toBe(false)
    expect(w.get('[data-testid="calendar-get"]').text()).toContain('Get my calendar link')
  })

  it('shows the link read-only with Copy and a webcal:// link', async () => {
    const w = show()
    await w.get('[data-testid="calendar-get"]').trigger('click')
    await flushPromises()
    expect(calendarApi.issueFeedUrl).toHaveBeenCalledTimes(1)
    const input = w.get('[data-testid="calendar-url"]')
    expect(input.element.value).toBe(URL1)
    expect(input.attributes('readonly')).toBeDefined()
    expect(w.get('[data-testid="calendar-add"]').attributes('href')).toBe('webcal://hs.example/api/calendar/feed/aaa.ics')
  })

  it('copies the link', async () => {
    const writeText = vi.fn(async () => undefined)
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true })
    const w = show()
    await w.get('[data-testid="calendar-get"]').trigger('click')
    await flushPromises()
    await w.get('[data-testid="calendar-copy"]').trigger('click')
    await flushPromises()
    expect(writeText).toHaveBeenCalledWith(URL1)
    expect(w.get('[data-testid="calendar-copy"]').text()).toContain('Copied')
  })

  it('creates a new link only after a confirmation', async () => {
    const w = show()
    await w.get('[data-testid="calendar-get"]').trigger('click')
    await flushPromises()
    await w.get('[data-testid="calendar-renew"]').trigger('click')
    await flushPromises()
    expect(calendarApi.issueFeedUrl).toHaveBeenCalledTimes(1)
    expect($('confirm-modal').textContent).toContain('stops working')
    $('confirm-ok').click()
    await flushPromises()
    expect(calendarApi.issueFeedUrl).toHaveBeenCalledTimes(2)
    expect(w.get('[data-testid="calendar-url"]').element.value).toBe(URL2)
  })

  it('keeps the link when the new-link dialog is dismissed', async () => {
    const w = show()
    await w.get('[data-testid="calendar-get"]').trigger('click')
    await flushPromises()
    await w.get('[data-testid="calendar-renew"]').trigger('click')
    await flushPromises()
    $('confirm-dismiss').click()
    await flushPromises()
    expect(calendarApi.issueFeedUrl).toHaveBeenCalledTimes(1)
    expect(w.get('[data-testid="calendar-url"]').element.value).toBe(URL1)
  })

  it('turns the link off after a confirmation', async () => {
    const w = show()
    await w.get('[data-testid="calendar-get"]').trigger('click')
    await flushPromises()
    await w.get('[data-testid="calendar-off"]').trigger('click')
    await flushPromises()
    expect(calendarApi.revokeFeedUrl).not.toHaveBeenCalled()
    $('confirm-ok').click()
    await flushPromises()
    expect(calendarApi.revokeFeedUrl).toHaveBeenCalledTimes(1)
    expect(w.find('[data-testid="calendar-url"]').exists()).toBe(false)
    expect(w.get('[data-testid="calendar-off-note"]').text()).toContain('off')
  })
})
