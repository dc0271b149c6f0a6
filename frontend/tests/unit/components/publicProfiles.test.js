import { RouterLinkStub, mount } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import ProfessionalCard from '@/components/ProfessionalCard.vue'
import RatingDistribution from '@/components/RatingDistribution.vue'
import ServiceCard from '@/components/ServiceCard.vue'
import StarRating from '@/components/StarRating.vue'

const stubs = { global: { stubs: { RouterLink: RouterLinkStub } } }
const byTestId = (w, id) => w.find(`[data-testid="${id}"]`)

describe('StarRating', () => {
  it('says "New" once for a professional nobody rated, without "(0 reviews)"', () => {
    const w = mount(StarRating, { props: { rating: null, count: 0 } })
    expect(w.text()).not.toContain('0 reviews')
    // Seen once (the badge); heard once (the hidden label, the badge being hidden from screen readers).
    const seen = w.findAll('[aria-hidden="true"]').map((e) => e.text()).join(' ')
    expect(seen.match(/New/g)).toHaveLength(1)
    expect(w.find('.visually-hidden').text()).toBe('New, not rated yet')
    expect(byTestId(w, 'star-rating').attributes('data-rating')).toBe('')
    expect(w.find('.stars').exists()).toBe(false)
  })

  it('shows the stars, the mean and the count when rated', () => {
    const w = mount(StarRating, { props: { rating: 4.25, count: 12 } })
    expect(w.find('.visually-hidden').text()).toBe('Rated 4.3 out of 5, 12 reviews')
    expect(w.findAll('.bi-star-fill')).toHaveLength(4)
    expect(w.text()).toContain('(12 reviews)')
  })

  it('shows a single rating without a count', () => {
    const w = mount(StarRating, { props: { rating: 5 } })
    expect(byTestId(w, 'star-rating').attributes('data-rating')).toBe('5')
    expect(w.text()).not.toContain('review')
  })

  it('takes another word for unrated', () => {
    const w = mount(StarRating, { props: { rating: null, count: 0, unratedText: 'No reviews yet' } })
    expect(w.text()).toContain('No reviews yet')
    expect(w.text()).not.toContain('New')
  })
})

describe('RatingDistribution', () => {
  it('draws five bars, 5 stars first, each read out with its count and share', () => {
    const w = mount(RatingDistribution, { props: { counts: { 1: 0, 2: 1, 3: 0, 4: 1, 5: 2 } } })
    const bars = w.findAll('[data-testid="rating-bar"]')
    expect(bars.map((b) => b.attributes('data-stars'))).toEqual(['5', '4', '3', '2', '1'])
    expect(bars.map((b) => b.attributes('data-count'))).toEqual(['2', '1', '0', '1', '0'])
    expect(bars[0].find('.visually-hidden').text()).toBe('5 stars: 2 reviews (50%)')
    expect(bars[4].find('.visually-hidden').text()).toBe('1 star: 0 reviews (0%)')
    expect(bars[0].find('.progress-bar').attributes('style')).toContain('width: 50%')
  })

  it('copes with no reviews and missing keys', () => {
    const w = mount(RatingDistribution, { props: { counts: {} } })
    expect(w.findAll('.progress-bar').every((b) => b.attributes('style').includes('width: 0%'))).toBe(true)
  })
})

const pro = (extra = {}) => ({
  professional_id: 7,
  name: 'Irfan Khan',
  service_id: 2,
  experience_years: 5,
  location: 'Indiranagar, Bengaluru',
  pin_code: '560038',
  rating: 4,
  reviews_count: 1,
  distance_km: 6.1,
  verified: true,
  jobs_done: 3,
  next_available: '2026-12-01T09:00:00+05:30',
  ...extra,
})

describe('ProfessionalCard', () => {
  it('shows the distance, the verified badge, jobs done, experience and the next free time', () => {
    const w = mount(ProfessionalCard, { props: { pro: pro(), canBook: true }, ...stubs })
    expect(byTestId(w, 'professional-distance').text()).toBe('6.1 km away')
    expect(byTestId(w, 'professional-verified').text()).toContain('Verified')
    expect(byTestId(w, 'professional-jobs').text()).toBe('3 jobs done')
    expect(byTestId(w, 'professional-experience').text()).toBe('5 years of experience')
    expect(byTestId(w, 'professional-next-free').text()).toContain('Tue 1 Dec, 09:00')
    expect(w.findComponent(RouterLinkStub).props('to')).toEqual({ name: 'professional-public', params: { id: '7' } })
  })

  it('hides the distance when unknown and the badge when not verified', () => {
    const w = mount(ProfessionalCard, { props: { pro: pro({ distance_km: null, verified: false }) }, ...stubs })
    expect(byTestId(w, 'professional-distance').exists()).toBe(false)
    expect(byTestId(w, 'professional-verified').exists()).toBe(false)
  })

  it('says "less than 1 km away" when very close', () => {
    const w = mount(ProfessionalCard, { props: { pro: pro({ distance_km: 0.3 }) }, ...stubs })
    expect(byTestId(w, 'professional-distance').text()).toBe('less than 1 km away')
  })

  it('a customer books at once; a visitor is sent to log in', async () => {
    const customer = mount(ProfessionalCard, { props: { pro: pro(), canBook: true }, ...stubs })
    await byTestId(customer, 'book-button').trigger('click')
    expect(customer.emitted('book')[0][0].professional_id).toBe(7)

    const login = { name: 'login', query: { next: '/services/2?book=7' } }
    const visitor = mount(ProfessionalCard, { props: { pro: pro(), bookTo: login }, ...stubs })
    const links = visitor.findAllComponents(RouterLinkStub)
    expect(links.some((l) => JSON.stringify(l.props('to')) === JSON.stringify(login))).toBe(true)
  })

  it('offers no Book button to staff', () => {
    const w = mount(ProfessionalCard, { props: { pro: pro() }, ...stubs })
    expect(byTestId(w, 'book-button').exists()).toBe(false)
  })
})

describe('ServiceCard', () => {
  const service = (extra = {}) => ({ id: 4, name: 'Plumbing Repair', price: '299.00', time_required: 45, description: 'Leaks.', ...extra })

  it('shows the price in whole rupees, the rating and the number of professionals', () => {
    const w = mount(ServiceCard, { props: { service: service({ professionals_count: 12, rating: 4.5, reviews_count: 30 }) }, ...stubs })
    expect(byTestId(w, 'service-price').text()).toBe('₹299')
    expect(byTestId(w, 'service-professionals-count').text()).toBe('12 professionals')
    expect(byTestId(w, 'service-rating').text()).toContain('4.5 (30 reviews)')
  })

  it('says when nobody offers it yet, without a rating', () => {
    const w = mount(ServiceCard, { props: { service: service({ professionals_count: 0, rating: null, reviews_count: 0 }) }, ...stubs })
    expect(byTestId(w, 'service-professionals-count').text()).toBe('No professionals yet')
    expect(byTestId(w, 'service-rating').exists()).toBe(false)
  })

  it('shows how far the nearest professional is when the API says', () => {
    const w = mount(ServiceCard, { props: { service: service({ professionals_count: 1, nearest_km: 2.4 }) }, ...stubs })
    expect(byTestId(w, 'service-nearest').text()).toBe('nearest 2.4 km away')
  })
})
