// The "Email me about my bookings" switch: shows the saved setting, saves a change with
// PATCH /api/auth/me, and goes back when the save fails.
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { ApiError } from '@/api/client'
import { authApi } from '@/api/resources'
import EmailNotificationsSwitch from '@/components/EmailNotificationsSwitch.vue'
import { useAuthStore } from '@/stores/auth'

vi.mock('@/api/resources', () => ({
  authApi: { updateMe: vi.fn() },
}))

function setup(user) {
  setActivePinia(createPinia())
  const auth = useAuthStore()
  auth.setUser(user)
  const wrapper = mount(EmailNotificationsSwitch)
  return { auth, wrapper, input: wrapper.get('[data-testid="email-notifications-switch"]') }
}

describe('EmailNotificationsSwitch', () => {
  beforeEach(() => vi.clearAllMocks())

  it('shows the saved setting and says in-app ones stay on', () => {
    const { wrapper, input } = setup({ id: 1, roles: ['customer'], email_notifications: false })
    expect(input.element.checked).toBe(false)
    expect(input.attributes('role')).toBe('switch')
    expect(wrapper.text()).toContain('Email me about my bookings')
    expect(wrapper.text()).toContain('In-app notifications (the bell) always stay on')
  })

  it('is on by default', () => {
    const { input } = setup({ id: 1, roles: ['customer'] })
    expect(input.element.checked).toBe(true)
  })

  it('saves a change', async () => {
    authApi.updateMe.mockResolvedValue({ user: { id: 1, roles: ['customer'], email_notifications: false } })
    const { auth, input } = setup({ id: 1, roles: ['customer'], email_notifications: true })
    await input.setValue(false)
    await flushPromises()
    expect(authApi.updateMe).toHaveBeenCalledWith({ email_notifications: false })
    expect(auth.user.email_notifications).toBe(false)
    expect(input.element.checked).toBe(false)
  })

  it('goes back and says why when the save fails', async () => {
    authApi.updateMe.mockRejectedValue(new ApiError(500, 'The server had a problem.'))
    const { auth, wrapper, input } = setup({ id: 1, roles: ['professional'], email_notifications: true })
    await input.setValue(false)
    await flushPromises()
    expect(auth.user.email_notifications).toBe(true)
    expect(input.element.checked).toBe(true)
    expect(wrapper.get('[data-testid="email-notifications-error"]').text()).toContain('The server had a problem.')
  })
})
