import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { ApiError } from '@/api/client'
import { useRegistration } from '@/composables/useRegistration'
import { useAuthStore } from '@/stores/auth'
import { useUiStore } from '@/stores/ui'
import { rules } from '@/utils/validation'

const router = { replace: vi.fn(async () => {}) }
vi.mock('vue-router', () => ({ useRouter: () => router }))

const ACCOUNT = { name: ' Priya Sharma ', email: ' priya@example.com ', phone: ' 98765 43210 ', password: ' secret pass ' }

function registration(overrides = {}) {
  const register = vi.fn(async () => ({}))
  const reg = useRegistration({
    fields: { pin_code: '' },
    rules: { pin_code: [rules.pinCode()] },
    payload: (values) => ({ pin_code: values.pin_code.trim() }),
    register,
    landing: () => '/customer',
    welcome: 'Welcome!',
    loginFlash: 'Please log in.',
    ...overrides,
  })
  return { ...reg, register }
}

let auth
let ui
beforeEach(() => {
  setActivePinia(createPinia())
  auth = useAuthStore()
  ui = useUiStore()
  vi.spyOn(auth, 'login').mockResolvedValue({ name: 'Priya' })
  vi.spyOn(ui, 'toast').mockImplementation(() => 1)
  vi.spyOn(ui, 'setFlash')
  router.replace.mockClear()
})

describe('useRegistration', () => {
  it('has the account fields and the role’s own, all empty', () => {
    const { form, f } = registration()
    expect({ ...form }).toEqual({ name: '', email: '', phone: '', password: '', pin_code: '' })
    expect(f.invalid('pin_code')).toBe(false)
  })

  it('sends nothing while a field is wrong, and shows each field’s error', async () => {
    const { form, f, submit, register } = registration()
    Object.assign(form, ACCOUNT, { email: 'priya@', pin_code: '012345' })
    await submit()
    expect(register).not.toHaveBeenCalled()
    expect(f.feedback('email')).toBe('Enter a valid email address.')
    expect(f.feedback('pin_code')).toBe('Enter a 6-digit PIN code (it cannot start with 0).')
    expect(f.message.value).toBe('Please correct the highlighted fields.')
  })

  it('sends the trimmed account fields (but the password as typed) with the role’s own', async () => {
    const { form, submit, register } = registration()
    Object.assign(form, ACCOUNT, { pin_code: ' 560001 ' })
    await submit()
    expect(register).toHaveBeenCalledWith({
      name: 'Priya Sharma',
      email: 'priya@example.com',
      phone: '98765 43210',
      password: ' secret pass ',
      pin_code: '560001',
    })
  })

  it('logs the new account in, welcomes it and goes to the landing page', async () => {
    const landing = vi.fn(() => '/customer/requests')
    const { form, submit } = registration({ landing })
    Object.assign(form, ACCOUNT, { pin_code: '560001' })
    await submit()
    expect(auth.login).toHaveBeenCalledWith('priya@example.com', ' secret pass ')
    expect(ui.toast).toHaveBeenCalledWith('Welcome!')
    expect(router.replace).toHaveBeenCalledWith('/customer/requests')
    expect(ui.setFlash).not.toHaveBeenCalled()
  })

  it('sends the user to the login page with a message when that login fails', async () => {
    auth.login.mockRejectedValue(new ApiError(429, 'Too many requests.'))
    const { form, f, submit } = registration()
    Object.assign(form, ACCOUNT, { pin_code: '560001' })
    await submit()
    expect(ui.setFlash).toHaveBeenCalledWith('Please log in.', 'success')
    expect(router.replace).toHaveBeenCalledWith({ name: 'login' })
    expect(ui.toast).not.toHaveBeenCalled()
    expect(f.message.value).toBe('')
  })

  it('shows the server’s refusal on the form and stays', async () => {
    const { form, f, submit, register } = registration()
    register.mockRejectedValue(new ApiError(409, 'An account with this email already exists.', { email: ['Already registered.'] }))
    Object.assign(form, ACCOUNT, { pin_code: '560001' })
    await submit()
    expect(f.feedback('email')).toBe('Already registered.')
    expect(f.message.value).toBe('An account with this email already exists.')
    expect(auth.login).not.toHaveBeenCalled()
    expect(router.replace).not.toHaveBeenCalled()
    expect(f.submitting.value).toBe(false)
  })
})
