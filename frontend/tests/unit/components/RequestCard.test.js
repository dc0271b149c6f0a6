import { RouterLinkStub, flushPromises, mount } from '@vue/test-utils'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { ApiError } from '@/api/client'
import { requestsApi } from '@/api/resources'
import RequestCard from '@/components/RequestCard.vue'

vi.mock('@/api/resources', () => ({ requestsApi: { get: vi.fn() } }))

// Tue 1 Dec 2026, 10:30–11:15 in Kolkata; the tests run in São Paulo (tests/unit/setup.js).
const START = '2026-12-01T10:30:00+05:30'
const AFTER = new Date('2026-12-01T06:00:00Z')
const req = (status, extra = {}) => ({
  id: 9,
  status,
  service_id: 3,
  service_name: 'Plumbing',
  customer_name: 'Asha Rao',
  professional_name: 'Ravi Kumar',
  date_of_request: START,
  end_time: '2026-12-01T11:15:00+05:30',
  price: 299,
  cancelled_by: null,
  cancellation_fee: null,
  status_reason: null,
  updated_at: '2026-11-30T10:00:00Z',
  ...extra,
})
const card = (request, viewer = 'customer', now = AFTER) =>
  mount(RequestCard, { props: { request, viewer, now }, global: { stubs: { RouterLink: RouterLinkStub } } })
const byTestId = (w, id) => w.find(`[data-testid="${id}"]`)

beforeEach(() => {
  requestsApi.get.mockReset()
})

describe('RequestCard', () => {
  it('says what happens next, and its status', () => {
    const w = card(req('completed'))
    expect(byTestId(w, 'request-next-step').text()).toBe('Done — please confirm and rate')
    expect(byTestId(w, 'request-next-step').attributes('data-status')).toBe('completed')
    expect(byTestId(w, 'request-status').text()).toBe('Completed')
    expect(byTestId(w, 'request-status').classes()).toContain('text-bg-info')
    expect(byTestId(w, 'request-price').text()).toBe('₹299')
  })

  it('links an expired booking to its service page', () => {
    const w = card(req('expired', { cancelled_by: 'system' }))
    expect(byTestId(w, 'request-next-step').text()).toContain('Nobody answered in time: book someone else')
    expect(w.getComponent(RouterLinkStub).props('to')).toBe('/services/3')
    expect(byTestId(w, 'request-status').classes()).toContain('text-bg-dark')
    expect(byTestId(w, 'request-fee').exists()).toBe(false)
  })

  it('shows who cancelled and the fee of a late cancellation', () => {
    const w = card(req('cancelled', { cancelled_by: 'customer', cancellation_fee: 59.8 }))
    expect(byTestId(w, 'request-cancelled-by').text()).toBe('Cancelled by you')
    expect(byTestId(w, 'request-cancelled-by').attributes('data-cancelled-by')).toBe('customer')
    expect(byTestId(w, 'request-fee').text()).toBe('₹59.80')
    expect(byTestId(w, 'request-reason').exists()).toBe(false)
  })

  it('shows a free cancellation as such, to the other party by name', () => {
    const w = card(req('cancelled', { cancelled_by: 'customer' }), 'professional')
    expect(byTestId(w, 'request-cancelled-by').text()).toBe('Cancelled by Asha Rao')
    expect(byTestId(w, 'request-fee').text()).toBe('None')
  })

  it('shows the reason of a withdrawal and of a rejection', () => {
    const withdrawn = card(req('cancelled', { cancelled_by: 'professional', status_reason: 'I am unwell' }))
    expect(byTestId(withdrawn, 'request-cancelled-by').text()).toBe('Withdrawn by Ravi Kumar')
    expect(byTestId(withdrawn, 'request-reason').text()).toBe('“I am unwell”')
    const rejected = card(req('rejected', { status_reason: 'Fully booked' }))
    expect(byTestId(rejected, 'request-reason').text()).toBe('“Fully booked”')
    expect(byTestId(rejected, 'request-cancelled-by').exists()).toBe(false)
  })

  it('loads and shows the history when asked, with who and when in Kolkata time', async () => {
    requestsApi.get.mockResolvedValue({
      ...req('rejected'),
      status_history: [
        { status: 'requested', at: '2026-11-28T10:00:00+05:30', by: 'customer', reason: null },
        { status: 'rejected', at: '2026-11-28T04:30:00Z', by: 'professional', reason: 'Fully booked' },
      ],
    })
    const w = card(req('rejected'))
    const toggle = byTestId(w, 'request-history')
    expect(toggle.attributes('aria-expanded')).toBe('false')
    expect(byTestId(w, 'request-history-list').exists()).toBe(false)
    expect(requestsApi.get).not.toHaveBeenCalled()

    await toggle.trigger('click')
    await flushPromises()
    expect(requestsApi.get).toHaveBeenCalledWith(9)
    expect(toggle.attributes('aria-expanded')).toBe('true')
    expect(w.get(`#${toggle.attributes('aria-controls')}`).exists()).toBe(true)
    const entries = w.findAll('[data-testid="request-history-entry"]')
    expect(entries.map((e) => e.attributes('data-status'))).toEqual(['requested', 'rejected'])
    expect(entries[0].text()).toContain('Booked')
    expect(entries[0].text()).toContain('Sat 28 Nov, 10:00')
    expect(entries[0].get('[data-testid="request-history-by"]').text()).toBe('you')
    expect(entries[1].text()).toContain('Sat 28 Nov, 10:00')
    expect(entries[1].get('[data-testid="request-history-by"]').text()).toBe('Ravi Kumar')
    expect(entries[1].get('[data-testid="request-history-reason"]').text()).toBe('“Fully booked”')

    await toggle.trigger('click')
    expect(byTestId(w, 'request-history-list').exists()).toBe(false)
  })

  it('loads the history again when the request changes while it is shown', async () => {
    requestsApi.get.mockResolvedValue({ status_history: [] })
    const w = card(req('assigned'))
    await byTestId(w, 'request-history').trigger('click')
    await flushPromises()
    expect(w.text()).toContain('No changes recorded yet.')
    await w.setProps({ request: req('completed', { updated_at: '2026-12-01T06:00:00Z' }) })
    await flushPromises()
    expect(requestsApi.get).toHaveBeenCalledTimes(2)
  })

  it('shows a failure to load the history with a way to retry', async () => {
    requestsApi.get.mockRejectedValueOnce(new ApiError(500, 'The server had a problem.'))
    requestsApi.get.mockResolvedValueOnce({ status_history: [{ status: 'requested', at: START, by: 'customer' }] })
    const w = card(req('requested'))
    await byTestId(w, 'request-history').trigger('click')
    await flushPromises()
    const error = byTestId(w, 'request-history-error')
    expect(error.text()).toContain('The server had a problem.')
    await error.get('button').trigger('click')
    await flushPromises()
    expect(w.findAll('[data-testid="request-history-entry"]')).toHaveLength(1)
  })

  describe('phones and replies', () => {
    it("links the professional's phone for the customer, to call it", () => {
      const w = card(req('assigned', { professional_phone: '98450 12345' }))
      const link = byTestId(w, 'request-professional-phone')
      expect(link.attributes('href')).toBe('tel:+919845012345')
      expect(link.text()).toContain('98450 12345')
      expect(byTestId(w, 'request-customer-phone').exists()).toBe(false)
    })

    it("links the customer's phone for the professional", () => {
      const w = card(req('assigned', { customer_phone: '+91 9000000001' }), 'professional')
      expect(byTestId(w, 'request-customer-phone').attributes('href')).toBe('tel:+919000000001')
      expect(byTestId(w, 'request-professional').exists()).toBe(false)
    })

    it('shows no link without a phone', () => {
      const w = card(req('assigned', { professional_phone: '' }))
      expect(byTestId(w, 'request-professional-phone').exists()).toBe(false)
      expect(byTestId(w, 'request-professional').text()).toBe('Ravi Kumar')
    })

    it("shows the professional's reply under the review", () => {
      const w = card(req('closed', { rating: 5, review: 'Quick and tidy.', reply: 'Thank you, Asha!', reply_at: '2026-12-02T05:00:00Z' }))
      expect(byTestId(w, 'request-review').text()).toContain('Quick and tidy.')
      const reply = byTestId(w, 'request-reply')
      expect(reply.text()).toContain('“Thank you, Asha!”')
      expect(reply.text()).toContain('Ravi Kumar')
      expect(reply.find('time').attributes('datetime')).toBe('2026-12-02T05:00:00Z')
      expect(w.text()).toContain('Reply')
      expect(byTestId(w, 'request-review-hidden').exists()).toBe(false)
    })

    it('says when the review is hidden, and shows no reply before there is one', () => {
      const w = card(req('closed', { rating: 2, review: 'Rude.', reply: null, review_hidden: true }), 'professional')
      expect(byTestId(w, 'request-review-hidden').text()).toContain('Hidden by the admin')
      expect(byTestId(w, 'request-reply').exists()).toBe(false)
    })
  })
})
