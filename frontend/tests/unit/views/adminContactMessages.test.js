// The admin's contact messages, against a mocked API: the Open / Handled / All filter in the URL, a message's
// details (mailto: reply, India time, text as written), marking handled and reopening in place, and the message
// of a notification's link highlighted, or fetched and shown on top when it is not on the page.
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'
import { ApiError } from '@/api/client'
import { contactMessagesApi } from '@/api/contactMessages'
import { useUiStore } from '@/stores/ui'
import AdminContactMessagesView from '@/views/admin/AdminContactMessagesView.vue'

vi.mock('@/api/contactMessages', () => ({
  contactMessagesApi: { list: vi.fn(), get: vi.fn(), markHandled: vi.fn(), reopen: vi.fn() },
}))

const message = (id, extra = {}) => ({
  id,
  user_id: null,
  name: `Sender ${id}`,
  email: `s${id}@example.com`,
  message: `Question ${id}`,
  created_at: '2026-11-30T13:00:00+00:00', // 18:30 in India
  handled_at: null,
  ...extra,
})

const mounted = []
async function open(path) {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/admin/contact-messages', name: 'admin-contact-messages', component: AdminContactMessagesView },
      { path: '/:rest(.*)*', component: { render: () => null } },
    ],
  })
  await router.push(path)
  await router.isReady()
  const w = mount(AdminContactMessagesView, { global: { plugins: [router] }, attachTo: document.body })
  mounted.push(w)
  await flushPromises()
  return { w, router }
}
const card = (w, id) => w.get(`[data-testid="contact-message"][data-message-id="${id}"]`)

let rows = []
beforeEach(() => {
  setActivePinia(createPinia())
  for (const fn of Object.values(contactMessagesApi)) fn.mockReset()
  contactMessagesApi.list.mockImplementation(async ({ handled }) => {
    const items = rows.filter((m) => handled === undefined || String(Boolean(m.handled_at)) === handled)
    return { items, total: items.length }
  })
})
afterEach(() => {
  while (mounted.length) mounted.pop().unmount()
})

describe('AdminContactMessagesView', () => {
  it('lists the open messages by default, each with a reply link, India time and the text as written', async () => {
    const long = 'y'.repeat(300)
    rows = [message(2, { message: `Line one\n\nLine three ${long}`, user_id: 9 }), message(1, { handled_at: '2026-11-30T14:00:00+00:00' })]
    const { w } = await open('/admin/contact-messages')
    expect(contactMessagesApi.list).toHaveBeenCalledWith({ page: 1, per_page: 20, handled: 'false' })
    expect(w.findAll('[data-testid="contact-message"]').map((c) => c.attributes('data-message-id'))).toEqual(['2'])
    const c = card(w, 2)
    expect(c.get('[data-testid="contact-message-name"]').text()).toContain('Sender 2')
    expect(c.text()).toContain('Has an account')
    const link = c.get('[data-testid="contact-message-email"]')
    expect(link.text()).toBe('s2@example.com')
    expect(link.attributes('href')).toBe('mailto:s2@example.com?subject=Re%3A%20your%20message%20to%20Household%20Services')
    expect(c.get('[data-testid="contact-message-date"]').text()).toBe('30 Nov 2026, 18:30 IST')
    expect(c.get('[data-testid="contact-message-date"]').attributes('datetime')).toBe('2026-11-30T13:00:00+00:00')
    const text = c.get('[data-testid="contact-message-text"]')
    expect(text.element.textContent).toBe(`Line one\n\nLine three ${long}`)
    expect(text.classes()).toContain('message-text')
    expect(c.find('[data-testid="contact-mark-handled"]').exists()).toBe(true)
    expect(w.get('[aria-current="page"]').text()).toBe('Open')
  })

  it('filters handled and all messages through the URL, with an empty state for each', async () => {
    rows = [message(2), message(1, { handled_at: '2026-11-30T14:00:00+00:00' })]
    const { w, router } = await open('/admin/contact-messages?status=handled')
    expect(contactMessagesApi.list).toHaveBeenLastCalledWith({ page: 1, per_page: 20, handled: 'true' })
    expect(card(w, 1).get('[data-testid="contact-message-handled"]').text()).toBe('Handled 30 Nov 2026, 19:30 IST')
    expect(card(w, 1).find('[data-testid="contact-reopen"]').exists()).toBe(true)

    await w.get('[data-testid="status-filter-all"]').trigger('click')
    await flushPromises()
    expect(router.currentRoute.value.query.status).toBe('all')
    expect(contactMessagesApi.list).toHaveBeenLastCalledWith({ page: 1, per_page: 20, handled: undefined })
    expect(w.findAll('[data-testid="contact-message"]')).toHaveLength(2)

    rows = [message(1, { handled_at: '2026-11-30T14:00:00+00:00' })]
    await w.get('[data-testid="status-filter-open"]').trigger('click')
    await flushPromises()
    expect(router.currentRoute.value.query.status).toBeUndefined()
    expect(w.get('[data-testid="empty-state"]').text()).toContain('No open messages')
  })

  it('marks a message handled and reopens it in place, telling the admin', async () => {
    rows = [message(3)]
    contactMessagesApi.markHandled.mockResolvedValue(message(3, { handled_at: '2026-11-30T15:00:00+00:00' }))
    contactMessagesApi.reopen.mockResolvedValue(message(3))
    const { w } = await open('/admin/contact-messages')
    const toast = vi.spyOn(useUiStore(), 'toast')

    await card(w, 3).get('[data-testid="contact-mark-handled"]').trigger('click')
    await flushPromises()
    expect(contactMessagesApi.markHandled).toHaveBeenCalledWith(3)
    // It stays in the Open list until the next load: a slip is undone in place.
    expect(card(w, 3).attributes('data-handled')).toBe('true')
    expect(contactMessagesApi.list).toHaveBeenCalledTimes(1)
    expect(toast).toHaveBeenLastCalledWith('The message from Sender 3 is marked handled.')

    await card(w, 3).get('[data-testid="contact-reopen"]').trigger('click')
    await flushPromises()
    expect(contactMessagesApi.reopen).toHaveBeenCalledWith(3)
    expect(card(w, 3).attributes('data-handled')).toBe('false')
    expect(toast).toHaveBeenLastCalledWith('The message from Sender 3 is open again.')
  })

  it('shows a failed change and keeps the message as it was', async () => {
    rows = [message(3)]
    contactMessagesApi.markHandled.mockRejectedValue(new ApiError(404, 'No such message.'))
    const { w } = await open('/admin/contact-messages')
    await card(w, 3).get('[data-testid="contact-mark-handled"]').trigger('click')
    await flushPromises()
    expect(w.get('[data-testid="contact-action-error"]').text()).toContain('No such message.')
    expect(card(w, 3).attributes('data-handled')).toBe('false')
  })

  it("highlights and scrolls to the notification's message when it is on the page", async () => {
    rows = [message(5), message(4), message(3)]
    const scrolled = vi.fn()
    Element.prototype.scrollIntoView = scrolled
    const { w } = await open('/admin/contact-messages?message=4')
    await flushPromises()
    expect(card(w, 4).attributes('data-highlighted')).toBe('true')
    expect(card(w, 5).attributes('data-highlighted')).toBe('false')
    expect(contactMessagesApi.get).not.toHaveBeenCalled()
    expect(w.find('[data-testid="contact-pinned"]').exists()).toBe(false)
    expect(scrolled).toHaveBeenCalledTimes(1)
    expect(scrolled.mock.contexts[0]).toBe(card(w, 4).element)
    expect(document.activeElement).toBe(card(w, 4).element)
    delete Element.prototype.scrollIntoView
  })

  it('fetches a message that is not on the page and shows it on top, even when the list is empty', async () => {
    rows = []
    contactMessagesApi.get.mockResolvedValue(message(8, { handled_at: '2026-11-30T15:00:00+00:00' }))
    const { w } = await open('/admin/contact-messages?message=8')
    await flushPromises()
    expect(contactMessagesApi.get).toHaveBeenCalledWith(8)
    const pinned = w.get('[data-testid="contact-pinned"]')
    expect(pinned.get('[data-testid="contact-message"]').attributes('data-highlighted')).toBe('true')
    expect(pinned.text()).toContain('not on this page')
    expect(w.get('[data-testid="empty-state"]').text()).toContain('No open messages')
  })

  it('says so when the linked message does not exist, and ignores a malformed link', async () => {
    rows = [message(1)]
    contactMessagesApi.get.mockRejectedValue(new ApiError(404, 'No such message.'))
    const { w } = await open('/admin/contact-messages?message=99')
    await flushPromises()
    expect(w.get('[data-testid="contact-pinned-error"]').text()).toContain('The message from that link no longer exists.')
    expect(w.findAll('[data-testid="contact-message"]')).toHaveLength(1)

    contactMessagesApi.get.mockClear()
    await open('/admin/contact-messages?message=1x')
    expect(contactMessagesApi.get).not.toHaveBeenCalled()
  })
})
