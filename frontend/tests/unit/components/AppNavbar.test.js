// The navbar's bell: the unread count from the notifications store, with a label screen readers read.
import { mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'
import AppNavbar from '@/components/AppNavbar.vue'
import { useAuthStore } from '@/stores/auth'
import { useNotificationsStore } from '@/stores/notifications'

vi.mock('@/api/resources', () => ({
  authApi: { logout: vi.fn() },
  notificationsApi: { list: vi.fn(), unreadCount: vi.fn() },
}))

async function show(unread) {
  setActivePinia(createPinia())
  useAuthStore().setUser({ id: 1, name: 'Meera Iyer', email: 'meera@example.com', roles: ['customer'] })
  useNotificationsStore().setUnread(unread)
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/:p(.*)*', component: { render: () => null } }] })
  await router.push('/customer')
  await router.isReady()
  return mount(AppNavbar, { global: { plugins: [router] } })
}

describe('AppNavbar bell', () => {
  beforeEach(() => vi.clearAllMocks())

  it('shows no badge and says so when nothing is unread', async () => {
    const w = await show(0)
    const bell = w.get('[data-testid="nav-notifications"]')
    expect(bell.attributes('aria-label')).toBe('Notifications: no unread notifications')
    expect(w.find('[data-testid="notification-badge"]').exists()).toBe(false)
  })

  it('shows the count with an accessible label', async () => {
    const w = await show(3)
    const bell = w.get('[data-testid="nav-notifications"]')
    expect(bell.attributes('aria-label')).toBe('Notifications: 3 unread notifications')
    expect(bell.attributes('data-unread')).toBe('3')
    expect(w.get('[data-testid="notification-badge"]').text()).toBe('3')
    expect(w.get('[data-testid="notification-live"]').text()).toBe('3 unread notifications')
  })

  it('says "1 unread notification" and caps the badge at 99+', async () => {
    expect((await show(1)).get('[data-testid="nav-notifications"]').attributes('aria-label')).toBe('Notifications: 1 unread notification')
    const many = await show(150)
    expect(many.get('[data-testid="notification-badge"]').text()).toBe('99+')
    expect(many.get('[data-testid="nav-notifications"]').attributes('aria-label')).toBe('Notifications: 150 unread notifications')
  })

  it('follows the store', async () => {
    const w = await show(0)
    useNotificationsStore().setUnread(2)
    await w.vm.$nextTick()
    expect(w.get('[data-testid="notification-badge"]').text()).toBe('2')
  })
})

describe('AppNavbar links', () => {
  async function asRole(roles, path) {
    setActivePinia(createPinia())
    useAuthStore().setUser({ id: 2, name: 'Someone', email: 's@example.com', roles })
    const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/:p(.*)*', component: { render: () => null } }] })
    await router.push(path)
    await router.isReady()
    return mount(AppNavbar, { global: { plugins: [router] } })
  }

  it("leads a professional to their reviews, marked as the current page there", async () => {
    const w = await asRole(['professional'], '/professional/reviews')
    const link = w.get('[data-testid="nav-reviews"]')
    expect(link.attributes('href')).toBe('/professional/reviews')
    expect(link.attributes('aria-current')).toBe('page')
  })

  it('leads the admin to the moderation of reviews', async () => {
    const w = await asRole(['admin'], '/admin')
    expect(w.get('[data-testid="nav-reviews"]').attributes('href')).toBe('/admin/reviews')
  })

  it('has no reviews link for a customer', async () => {
    const w = await asRole(['customer'], '/customer')
    expect(w.find('[data-testid="nav-reviews"]').exists()).toBe(false)
  })
})
