// The request pages of the professional and the customer, against a mocked API: which buttons show
// when, the reason of a rejection or a withdrawal, the cancellation preview, and the list following
// a request to its new tab.
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'
import { ApiError } from '@/api/client'
import { requestsApi } from '@/api/resources'
import CustomerRequestsView from '@/views/customer/CustomerRequestsView.vue'
import ProfessionalRequestsView from '@/views/professional/ProfessionalRequestsView.vue'

vi.mock('@/api/resources', () => ({
  authApi: { me: vi.fn(async () => ({ user: { roles: ['professional'], approval: 'approved' } })) },
  requestsApi: { list: vi.fn(), act: vi.fn(), get: vi.fn(), cancellation: vi.fn(), edit: vi.fn() },
  scheduleApi: { slots: vi.fn(async () => []) },
}))

// Tue 1 Dec 2026, 10:30–11:15 in Kolkata (05:00–05:45 UTC); the tests run in São Paulo.
const START = '2026-12-01T10:30:00+05:30'
const BEFORE = new Date('2026-12-01T04:00:00Z') // an hour before the start
const AFTER = new Date('2026-12-01T05:10:00Z') // ten minutes after

const req = (id, status, extra = {}) => ({
  id,
  status,
  service_id: 3,
  service_name: 'Plumbing',
  customer_name: 'Asha Rao',
  professional_name: 'Ravi Kumar',
  professional_id: 7,
  date_of_request: START,
  end_time: '2026-12-01T11:15:00+05:30',
  price: 299,
  cancelled_by: null,
  cancellation_fee: null,
  status_reason: null,
  ...extra,
})

let rows = []
const mounted = []
async function open(View, path) {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/professional/requests', name: 'professional-requests', component: View },
      { path: '/customer/requests', name: 'customer-requests', component: View },
      { path: '/services/:id', name: 'service', component: { render: () => null } },
      { path: '/', name: 'home', component: { render: () => null } },
    ],
  })
  await router.push(path)
  await router.isReady()
  const w = mount(View, { global: { plugins: [router] }, attachTo: document.body })
  mounted.push(w)
  await flushPromises()
  return { w, router }
}
const row = (w, id) => w.get(`[data-testid="request-row"][data-request-id="${id}"]`)
const $ = (testid) => document.body.querySelector(`[data-testid="${testid}"]`)

beforeEach(() => {
  setActivePinia(createPinia())
  vi.useFakeTimers({ toFake: ['Date'] })
  vi.setSystemTime(BEFORE)
  for (const fn of Object.values(requestsApi)) fn.mockReset()
  // The server's answer for the tab asked: the rows of that status.
  requestsApi.list.mockImplementation(async ({ status }) => {
    const items = rows.filter((r) => !status || r.status === status)
    return { items, total: items.length }
  })
})
afterEach(() => {
  while (mounted.length) mounted.pop().unmount()
  vi.useRealTimers()
})

describe('ProfessionalRequestsView', () => {
  it('offers accept and reject on incoming requests', async () => {
    rows = [req(1, 'requested')]
    const { w } = await open(ProfessionalRequestsView, '/professional/requests')
    const r = row(w, 1)
    expect(r.find('[data-testid="request-accept"]').exists()).toBe(true)
    expect(r.find('[data-testid="request-reject"]').exists()).toBe(true)
    expect(r.find('[data-testid="request-complete"]').exists()).toBe(false)
    expect(r.get('[data-testid="request-next-step"]').text()).toContain('accept or reject it')
  })

  it('has a tab for each of the seven statuses', async () => {
    rows = []
    const { w } = await open(ProfessionalRequestsView, '/professional/requests')
    const tabs = w.findAll('[data-testid^="status-filter-"]').map((t) => t.attributes('data-testid').replace('status-filter-', ''))
    expect(tabs).toEqual(['requested', 'assigned', 'completed', 'closed', 'rejected', 'cancelled', 'expired', 'all'])
  })

  it('shows "Mark as done" disabled, with from when, before the start; enabled after', async () => {
    rows = [req(2, 'assigned')]
    const { w } = await open(ProfessionalRequestsView, '/professional/requests?status=assigned')
    const done = row(w, 2).get('[data-testid="request-complete"]')
    expect(done.attributes('disabled')).toBeDefined()
    expect(done.attributes('data-available')).toBe('false')
    expect(row(w, 2).get('[data-testid="request-complete-from"]').text()).toBe('available from Tue 1 Dec, 10:30 IST')
    expect(row(w, 2).find('[data-testid="request-withdraw"]').exists()).toBe(true)
    expect(row(w, 2).find('[data-testid="request-accept"]').exists()).toBe(false)

    // The start passes while the page is open: a fresh look at the list shows the button enabled.
    vi.setSystemTime(AFTER)
    const again = await open(ProfessionalRequestsView, '/professional/requests?status=assigned')
    const enabled = row(again.w, 2).get('[data-testid="request-complete"]')
    expect(enabled.attributes('disabled')).toBeUndefined()
    expect(again.w.find('[data-testid="request-complete-from"]').exists()).toBe(false)
  })

  it('marks a started booking as done, and the list follows it to its new tab', async () => {
    vi.setSystemTime(AFTER)
    rows = [req(2, 'assigned')]
    requestsApi.act.mockImplementation(async (id) => {
      rows = [req(id, 'completed')]
      return rows[0]
    })
    const { w, router } = await open(ProfessionalRequestsView, '/professional/requests?status=assigned')
    await row(w, 2).get('[data-testid="request-complete"]').trigger('click')
    await flushPromises()
    expect(requestsApi.act).toHaveBeenCalledWith(2, 'complete')
    expect(router.currentRoute.value.query.status).toBe('completed')
    expect(row(w, 2).attributes('data-status')).toBe('completed')
    expect(row(w, 2).find('[data-testid="request-actions"]').exists()).toBe(false)
  })

  it('shows a 409 on "Mark as done" as the action error', async () => {
    vi.setSystemTime(AFTER)
    rows = [req(2, 'assigned')]
    requestsApi.act.mockRejectedValue(new ApiError(409, 'This booking starts at Tue 01 Dec, 10:30; it cannot be completed before then.'))
    const { w } = await open(ProfessionalRequestsView, '/professional/requests?status=assigned')
    await row(w, 2).get('[data-testid="request-complete"]').trigger('click')
    await flushPromises()
    expect(w.get('[data-testid="action-error"]').text()).toContain('cannot be completed before then')
  })

  it('withdraws with the reason typed in the dialog', async () => {
    rows = [req(2, 'assigned')]
    requestsApi.act.mockImplementation(async (id) => {
      rows = [req(id, 'cancelled', { cancelled_by: 'professional', status_reason: 'Unwell' })]
      return rows[0]
    })
    const { w, router } = await open(ProfessionalRequestsView, '/professional/requests?status=assigned')
    await row(w, 2).get('[data-testid="request-withdraw"]').trigger('click')
    await flushPromises()
    const input = $('confirm-modal').querySelector('[data-testid="reason-input"]')
    input.value = '  Unwell  '
    input.dispatchEvent(new Event('input'))
    $('confirm-ok').click()
    await flushPromises()
    expect(requestsApi.act).toHaveBeenCalledWith(2, 'withdraw', { reason: 'Unwell' })
    expect(router.currentRoute.value.query.status).toBe('cancelled')
    expect(row(w, 2).get('[data-testid="request-reason"]').text()).toBe('“Unwell”')
  })

  it('rejects without a reason when none is given, and the request leaves Incoming', async () => {
    rows = [req(1, 'requested')]
    requestsApi.act.mockImplementation(async (id) => {
      rows = [req(id, 'rejected')]
      return rows[0]
    })
    const { w, router } = await open(ProfessionalRequestsView, '/professional/requests')
    await row(w, 1).get('[data-testid="request-reject"]').trigger('click')
    await flushPromises()
    expect($('confirm-modal').querySelector('[data-testid="reason-input"]').value).toBe('')
    $('confirm-ok').click()
    await flushPromises()
    expect(requestsApi.act).toHaveBeenCalledWith(1, 'reject', {})
    expect(router.currentRoute.value.query.status).toBe('rejected')
  })
})

describe('a request that moved on meanwhile', () => {
  it('leaves Incoming when accepting it is refused because the customer cancelled it', async () => {
    rows = [req(1, 'requested'), req(2, 'requested')]
    requestsApi.act.mockImplementation(async () => {
      rows = [req(2, 'requested')]
      throw new ApiError(409, 'This request was cancelled by the customer.')
    })
    const { w } = await open(ProfessionalRequestsView, '/professional/requests')
    await row(w, 1).get('[data-testid="request-accept"]').trigger('click')
    await flushPromises()
    expect(w.get('[data-testid="action-error"]').text()).toContain('cancelled by the customer')
    expect(w.find('[data-testid="request-row"][data-request-id="1"]').exists()).toBe(false)
    expect(w.findAll('[data-testid="request-row"]')).toHaveLength(1)
  })

  it('leaves Incoming behind the dialog when rejecting it is refused', async () => {
    rows = [req(1, 'requested')]
    requestsApi.act.mockImplementation(async () => {
      rows = []
      throw new ApiError(409, 'This request expired.')
    })
    const { w } = await open(ProfessionalRequestsView, '/professional/requests')
    await row(w, 1).get('[data-testid="request-reject"]').trigger('click')
    await flushPromises()
    $('confirm-ok').click()
    await flushPromises()
    expect($('confirm-error').textContent).toContain('This request expired.')
    expect(w.find('[data-testid="request-row"][data-request-id="1"]').exists()).toBe(false)
  })

  it("leaves the customer's Requested tab when cancelling is refused because it was rejected", async () => {
    rows = [req(1, 'requested')]
    requestsApi.cancellation.mockResolvedValue({ late: false, fee: 0, free_until: '2026-12-01T02:30:00Z' })
    requestsApi.act.mockImplementation(async () => {
      rows = []
      throw new ApiError(409, 'This request was rejected.')
    })
    const { w } = await open(CustomerRequestsView, '/customer/requests?status=requested')
    await row(w, 1).get('[data-testid="request-cancel"]').trigger('click')
    await flushPromises()
    $('confirm-ok').click()
    await flushPromises()
    expect($('confirm-error').textContent).toContain('was rejected')
    expect(w.find('[data-testid="request-row"][data-request-id="1"]').exists()).toBe(false)
  })

  it('keeps the list as it is after a failure that says nothing about the request', async () => {
    rows = [req(1, 'requested')]
    requestsApi.act.mockRejectedValue(new ApiError(503, 'The service is temporarily unavailable.'))
    const { w } = await open(ProfessionalRequestsView, '/professional/requests')
    const calls = requestsApi.list.mock.calls.length
    await row(w, 1).get('[data-testid="request-accept"]').trigger('click')
    await flushPromises()
    expect(requestsApi.list.mock.calls.length).toBe(calls)
    expect(row(w, 1).attributes('data-status')).toBe('requested')
  })
})

describe('CustomerRequestsView', () => {
  it('offers "Confirm and rate" only on completed work, or accepted work once started', async () => {
    rows = [req(1, 'requested'), req(2, 'assigned'), req(3, 'completed'), req(4, 'closed')]
    const { w } = await open(CustomerRequestsView, '/customer/requests')
    const has = (id, testid) => row(w, id).find(`[data-testid="${testid}"]`).exists()
    expect([1, 2, 3, 4].map((id) => has(id, 'request-close'))).toEqual([false, false, true, false])
    expect([1, 2, 3, 4].map((id) => has(id, 'request-cancel'))).toEqual([true, true, false, false])
    expect([1, 2, 3, 4].map((id) => has(id, 'request-edit'))).toEqual([true, true, false, false])
    expect(row(w, 3).get('[data-testid="request-close"]').text()).toContain('Confirm and rate')
    expect(row(w, 3).get('[data-testid="request-next-step"]').text()).toBe('Done — please confirm and rate')

    vi.setSystemTime(AFTER)
    const later = await open(CustomerRequestsView, '/customer/requests')
    expect(row(later.w, 2).find('[data-testid="request-close"]').exists()).toBe(true)
  })

  it('confirms and rates, and the list follows the request to the closed tab', async () => {
    rows = [req(3, 'completed')]
    requestsApi.act.mockImplementation(async (id) => {
      rows = [req(id, 'closed', { rating: 4, review: 'Great' })]
      return rows[0]
    })
    const { w, router } = await open(CustomerRequestsView, '/customer/requests?status=completed')
    await row(w, 3).get('[data-testid="request-close"]').trigger('click')
    await flushPromises()
    const modal = $('close-request-modal')
    modal.querySelector('[data-testid="rating-star-4"]').click()
    const review = modal.querySelector('[data-testid="review-input"]')
    review.value = 'Great'
    review.dispatchEvent(new Event('input'))
    modal.querySelector('[data-testid="close-submit"]').click()
    await flushPromises()
    expect(requestsApi.act).toHaveBeenCalledWith(3, 'close', { rating: 4, review: 'Great' })
    expect(router.currentRoute.value.query.status).toBe('closed')
    expect(row(w, 3).attributes('data-status')).toBe('closed')
  })

  it('says what cancelling costs before cancelling, and waits for it', async () => {
    rows = [req(2, 'assigned')]
    let answer
    requestsApi.cancellation.mockImplementation(() => new Promise((resolve) => (answer = resolve)))
    requestsApi.act.mockImplementation(async (id) => {
      rows = [req(id, 'cancelled', { cancelled_by: 'customer', cancellation_fee: 59.8 })]
      return rows[0]
    })
    const { w, router } = await open(CustomerRequestsView, '/customer/requests?status=assigned')
    await row(w, 2).get('[data-testid="request-cancel"]').trigger('click')
    await flushPromises()
    expect(requestsApi.cancellation).toHaveBeenCalledWith(2)
    expect($('cancel-preview').getAttribute('data-state')).toBe('loading')
    expect($('confirm-ok').disabled).toBe(true)

    answer({ late: true, fee: 59.8, free_until: '2026-12-01T07:30:00+05:30' })
    await flushPromises()
    expect($('cancel-preview').textContent.trim()).toBe('Cancelling now costs ₹59.80: less than 3 hours before the start.')
    expect($('cancel-preview').getAttribute('data-late')).toBe('true')
    expect($('confirm-ok').disabled).toBe(false)
    expect($('confirm-ok').textContent).toContain('Cancel and pay ₹59.80')

    $('confirm-ok').click()
    await flushPromises()
    expect(requestsApi.act).toHaveBeenCalledWith(2, 'cancel')
    expect(router.currentRoute.value.query.status).toBe('cancelled')
    expect(row(w, 2).get('[data-testid="request-fee"]').text()).toBe('₹59.80')
    expect(row(w, 2).get('[data-testid="request-cancelled-by"]').text()).toBe('Cancelled by you')
  })

  it('says until when cancelling is free', async () => {
    vi.setSystemTime(new Date('2026-11-28T05:00:00Z'))
    rows = [req(2, 'assigned')]
    requestsApi.cancellation.mockResolvedValue({ late: false, fee: 0, free_until: '2026-12-01T07:30:00+05:30' })
    const { w } = await open(CustomerRequestsView, '/customer/requests')
    await row(w, 2).get('[data-testid="request-cancel"]').trigger('click')
    await flushPromises()
    expect($('cancel-preview').textContent.trim()).toBe('Cancelling is free until Tue 1 Dec, 07:30.')
    expect($('confirm-ok').textContent).toContain('Cancel request')
  })

  it('keeps the cancel button waiting when the request can no longer be cancelled', async () => {
    rows = [req(2, 'assigned')]
    requestsApi.cancellation.mockRejectedValue(new ApiError(409, 'A completed request cannot be cancelled.'))
    const { w } = await open(CustomerRequestsView, '/customer/requests')
    requestsApi.list.mockClear()
    await row(w, 2).get('[data-testid="request-cancel"]').trigger('click')
    await flushPromises()
    expect($('cancel-preview').getAttribute('data-state')).toBe('error')
    expect($('cancel-preview').textContent).toContain('A completed request cannot be cancelled.')
    expect($('confirm-ok').disabled).toBe(true)
    expect(requestsApi.list).toHaveBeenCalled() // the list is refreshed
  })

  it('links an expired booking to the service page and has a tab for it', async () => {
    rows = [req(5, 'expired', { cancelled_by: 'system' })]
    const { w } = await open(CustomerRequestsView, '/customer/requests?status=expired')
    expect(w.get('[data-testid="status-filter-expired"]').classes()).toContain('active')
    expect(row(w, 5).get('[data-testid="request-next-step"]').text()).toContain('Nobody answered in time: book someone else')
    expect(row(w, 5).get('[data-testid="request-book-again"]').attributes('href')).toBe('/services/3')
    expect(row(w, 5).find('[data-testid="request-actions"]').exists()).toBe(false)
  })
})
