// The professional's reviews page (a reply, once) and the admin's moderation (hide with a reason, show again),
// against a mocked API.
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'
import { ApiError } from '@/api/client'
import { reviewsApi } from '@/api/reviews'
import { useAuthStore } from '@/stores/auth'
import AdminReviewsView from '@/views/admin/AdminReviewsView.vue'
import ProfessionalReviewsView from '@/views/professional/ProfessionalReviewsView.vue'

const PRO = { id: 5, name: 'Ravi Kumar', roles: ['professional'], approval: 'approved', professional_id: 7 }
vi.mock('@/api/resources', () => ({ authApi: { me: vi.fn(async () => ({ user: PRO })) } }))
vi.mock('@/api/reviews', () => ({
  reviewsApi: { profile: vi.fn(), ofProfessional: vi.fn(), reply: vi.fn(), list: vi.fn(), hide: vi.fn(), show: vi.fn() },
}))

const review = (id, extra = {}) => ({
  request_id: id,
  rating: 4,
  review: `Review ${id}`,
  customer_name: 'Asha K.',
  service_name: 'Plumbing',
  date: '2026-11-29T06:00:00Z',
  reply: null,
  reply_at: null,
  ...extra,
})
const adminReview = (id, extra = {}) =>
  review(id, { customer_name: 'Asha Kapoor', professional_id: 7, professional_name: 'Ravi Kumar', hidden: false, hidden_reason: null, hidden_at: null, ...extra })

const mounted = []
async function open(View, path) {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/professional/reviews', name: 'professional-reviews', component: View },
      { path: '/admin/reviews', name: 'admin-reviews', component: View },
      { path: '/admin/professionals/:id', name: 'admin-professional', component: { render: () => null } },
      { path: '/:rest(.*)*', component: { render: () => null } },
    ],
  })
  await router.push(path)
  await router.isReady()
  const w = mount(View, { global: { plugins: [router] }, attachTo: document.body })
  mounted.push(w)
  await flushPromises()
  return { w, router }
}
const $ = (testid) => document.body.querySelector(`[data-testid="${testid}"]`)
const item = (w, id) => w.get(`[data-request-id="${id}"]`)

let rows = []
beforeEach(() => {
  setActivePinia(createPinia())
  useAuthStore().setUser(PRO)
  for (const fn of Object.values(reviewsApi)) fn.mockReset()
  reviewsApi.profile.mockResolvedValue({ rating: 4.5, reviews_count: 2, rating_counts: { 1: 0, 2: 0, 3: 0, 4: 1, 5: 1 } })
  reviewsApi.ofProfessional.mockImplementation(async () => ({ items: rows, total: rows.length }))
  reviewsApi.list.mockImplementation(async ({ hidden }) => {
    const items = rows.filter((r) => hidden === undefined || String(r.hidden) === hidden)
    return { items, total: items.length }
  })
})
afterEach(() => {
  while (mounted.length) mounted.pop().unmount()
})

describe('ProfessionalReviewsView', () => {
  it('reads their own reviews and shows the rating and its distribution on top', async () => {
    rows = [review(12, { rating: 5 }), review(11, { reply: 'Thanks!', reply_at: '2026-11-30T06:00:00Z' })]
    const { w } = await open(ProfessionalReviewsView, '/professional/reviews')
    expect(reviewsApi.ofProfessional).toHaveBeenCalledWith(7, { page: 1, per_page: 10 })
    expect(reviewsApi.profile).toHaveBeenCalledWith(7)
    expect(w.get('[data-testid="reviews-rating"]').text()).toBe('4.5 / 5')
    expect(w.get('[data-stars="5"]').attributes('data-count')).toBe('1')
    expect(w.findAll('[data-testid="review-item"]').map((li) => li.attributes('data-request-id'))).toEqual(['12', '11'])
    // A reply form where there is no reply yet; the reply where there is one.
    expect(item(w, 12).find('[data-testid="reply-form"]').exists()).toBe(true)
    expect(item(w, 11).find('[data-testid="reply-form"]').exists()).toBe(false)
    expect(item(w, 11).get('[data-testid="review-reply"]').text()).toContain('Thanks!')
  })

  it('replies once: the form gives way to the reply', async () => {
    rows = [review(12)]
    reviewsApi.reply.mockImplementation(async (id, reply) => review(id, { reply, reply_at: '2026-11-30T07:00:00Z' }))
    const { w } = await open(ProfessionalReviewsView, '/professional/reviews')
    await item(w, 12).get('[data-testid="reply-input"]').setValue('  Thank you, Asha!  ')
    await item(w, 12).get('[data-testid="reply-form"]').trigger('submit')
    await flushPromises()
    expect(reviewsApi.reply).toHaveBeenCalledWith(12, 'Thank you, Asha!')
    expect(item(w, 12).find('[data-testid="reply-form"]').exists()).toBe(false)
    expect(item(w, 12).get('[data-testid="review-reply"]').text()).toContain('Thank you, Asha!')
  })

  it('does not send an empty reply', async () => {
    rows = [review(12)]
    const { w } = await open(ProfessionalReviewsView, '/professional/reviews')
    await item(w, 12).get('[data-testid="reply-form"]').trigger('submit')
    await flushPromises()
    expect(reviewsApi.reply).not.toHaveBeenCalled()
    expect(item(w, 12).text()).toContain('Write your reply first.')
  })

  it('says clearly when the review already has a reply (409), and shows it', async () => {
    rows = [review(12)]
    reviewsApi.reply.mockImplementation(async () => {
      rows = [review(12, { reply: 'Sent from my phone', reply_at: '2026-11-30T07:00:00Z' })]
      throw new ApiError(409, 'You have already replied to this review.')
    })
    const { w } = await open(ProfessionalReviewsView, '/professional/reviews')
    await item(w, 12).get('[data-testid="reply-input"]').setValue('Again')
    await item(w, 12).get('[data-testid="reply-form"]').trigger('submit')
    await flushPromises()
    expect(item(w, 12).get('[data-testid="review-reply"]').text()).toContain('Sent from my phone')
  })

  it('keeps the 409 message in view when the review is unchanged', async () => {
    rows = [review(12)]
    reviewsApi.reply.mockRejectedValue(new ApiError(409, 'This review is hidden: it cannot be replied to.'))
    const { w } = await open(ProfessionalReviewsView, '/professional/reviews')
    await item(w, 12).get('[data-testid="reply-input"]').setValue('Hello')
    await item(w, 12).get('[data-testid="reply-form"]').trigger('submit')
    await flushPromises()
    expect(item(w, 12).get('[data-testid="reply-error"]').text()).toBe('This review is hidden: it cannot be replied to.')
  })

  it('says "New" once when nobody has reviewed them', async () => {
    rows = []
    reviewsApi.profile.mockResolvedValue({ rating: null, reviews_count: 0, rating_counts: {} })
    const { w } = await open(ProfessionalReviewsView, '/professional/reviews')
    expect(w.get('[data-testid="reviews-summary"]').text().match(/New/g)).toHaveLength(1)
    expect(w.get('[data-testid="empty-state"]').text()).toContain('No reviews yet')
  })

  it('asks nothing of the API before the profile is approved', async () => {
    useAuthStore().setUser({ ...PRO, approval: 'pending' })
    const { authApi } = await import('@/api/resources')
    authApi.me.mockResolvedValueOnce({ user: { ...PRO, approval: 'pending' } })
    const { w } = await open(ProfessionalReviewsView, '/professional/reviews')
    expect(reviewsApi.ofProfessional).not.toHaveBeenCalled()
    expect(reviewsApi.profile).not.toHaveBeenCalled()
    expect(w.get('[data-testid="reviews-not-approved"]').exists()).toBe(true)
  })
})

describe('AdminReviewsView', () => {
  it('lists every review, hidden ones marked with their reason', async () => {
    rows = [adminReview(12), adminReview(11, { hidden: true, hidden_reason: 'A phone number', hidden_at: '2026-11-30T06:00:00Z' })]
    const { w } = await open(AdminReviewsView, '/admin/reviews')
    expect(reviewsApi.list).toHaveBeenCalledWith({ page: 1, per_page: 20, hidden: undefined, q: undefined })
    expect(item(w, 11).attributes('data-hidden')).toBe('true')
    expect(item(w, 11).get('[data-testid="admin-review-hidden-reason"]').text()).toContain('“A phone number”')
    expect(item(w, 12).find('[data-testid="admin-review-hidden-reason"]').exists()).toBe(false)
    expect(item(w, 11).find('[data-testid="review-show"]').exists()).toBe(true)
    expect(item(w, 12).find('[data-testid="review-hide"]').exists()).toBe(true)
  })

  it('filters by hidden and by text through the URL', async () => {
    rows = []
    const { w, router } = await open(AdminReviewsView, '/admin/reviews?shown=hidden&q=rude')
    expect(reviewsApi.list).toHaveBeenLastCalledWith({ page: 1, per_page: 20, hidden: 'true', q: 'rude' })
    expect(w.get('[data-testid="empty-state"]').text()).toContain('No review mentions “rude”')
    await w.get('[data-testid="reviews-filter-shown"]').setValue('visible')
    await flushPromises()
    expect(router.currentRoute.value.query).toEqual({ shown: 'visible', q: 'rude' })
    expect(reviewsApi.list).toHaveBeenLastCalledWith({ page: 1, per_page: 20, hidden: 'false', q: 'rude' })
  })

  it('hides a review only with a reason', async () => {
    rows = [adminReview(12)]
    reviewsApi.hide.mockImplementation(async (id, reason) => adminReview(id, { hidden: true, hidden_reason: reason, hidden_at: '2026-11-30T06:00:00Z' }))
    const { w } = await open(AdminReviewsView, '/admin/reviews')
    await item(w, 12).get('[data-testid="review-hide"]').trigger('click')
    await flushPromises()
    const form = $('hide-review-form')
    form.dispatchEvent(new Event('submit'))
    await flushPromises()
    expect(reviewsApi.hide).not.toHaveBeenCalled()
    expect($('hide-review-modal').textContent).toContain('Say why the review is hidden')
    const input = $('hide-reason-input')
    input.value = ' Contains a phone number '
    input.dispatchEvent(new Event('input'))
    form.dispatchEvent(new Event('submit'))
    await flushPromises()
    expect(reviewsApi.hide).toHaveBeenCalledWith(12, 'Contains a phone number')
    expect($('hide-review-modal')).toBeNull()
    expect(item(w, 12).attributes('data-hidden')).toBe('true')
    expect(item(w, 12).get('[data-testid="admin-review-hidden-reason"]').text()).toContain('Contains a phone number')
  })

  it('shows a hidden review again after confirming, and it leaves the "Hidden" filter', async () => {
    rows = [adminReview(11, { hidden: true, hidden_reason: 'Abuse' })]
    reviewsApi.show.mockImplementation(async (id) => {
      rows = [adminReview(id)]
      return rows[0]
    })
    const { w } = await open(AdminReviewsView, '/admin/reviews?shown=hidden')
    await item(w, 11).get('[data-testid="review-show"]').trigger('click')
    await flushPromises()
    expect(reviewsApi.show).not.toHaveBeenCalled()
    $('confirm-ok').click()
    await flushPromises()
    expect(reviewsApi.show).toHaveBeenCalledWith(11)
    expect(w.find('[data-request-id="11"]').exists()).toBe(false)
  })
})
