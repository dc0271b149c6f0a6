import { mount } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import AccountFields from '@/components/AccountFields.vue'
import { LIMITS } from '@/utils/validation'

const noErrors = () => ''

describe('AccountFields', () => {
  it('asks for name, mobile, email and password, each labelled and required', () => {
    const w = mount(AccountFields, { props: { feedback: noErrors } })
    const fields = [
      ['reg-name', 'Full name', 'text', 'name'],
      ['reg-phone', 'Mobile number', 'tel', 'tel'],
      ['reg-email', 'Email', 'email', 'email'],
      ['reg-password', 'Password', 'password', 'new-password'],
    ]
    for (const [id, label, type, autocomplete] of fields) {
      const input = w.get(`#${id}`)
      expect(w.get(`label[for="${id}"]`).text()).toBe(`${label} *`)
      expect(input.attributes('type')).toBe(type)
      expect(input.attributes('autocomplete')).toBe(autocomplete)
      expect(input.attributes('required')).toBeDefined()
      expect(input.attributes('data-testid')).toBe(id)
    }
    expect(w.get('#reg-name').attributes('maxlength')).toBe(String(LIMITS.nameMax))
    expect(w.get('#reg-password').attributes('maxlength')).toBe(String(LIMITS.passwordMax))
  })

  it('describes the phone and password inputs with their help texts', () => {
    const w = mount(AccountFields, { props: { feedback: noErrors } })
    expect(w.get('#reg-phone').attributes('aria-describedby')).toBe('reg-phone-help')
    expect(w.get('#reg-phone-help').text()).toBe('10 digits, optionally starting with +91.')
    expect(w.get('#reg-password-help').text()).toBe('At least 8 characters.')
    expect(w.get('#reg-email').attributes('aria-describedby')).toBeUndefined()
  })

  it('shows the error of each field next to it', () => {
    const feedback = (field) => ({ email: 'Enter a valid email address.' })[field] || ''
    const w = mount(AccountFields, { props: { feedback } })
    expect(w.get('[data-testid="reg-email-error"]').text()).toBe('Enter a valid email address.')
    expect(w.get('#reg-email').attributes('aria-invalid')).toBe('true')
    expect(w.get('#reg-email').attributes('aria-describedby')).toBe('reg-email-error')
    expect(w.get('#reg-name').attributes('aria-invalid')).toBeUndefined()
    expect(w.findAll('.invalid-feedback')).toHaveLength(1)
  })

  it('shows the models and sends each change to its own', async () => {
    const w = mount(AccountFields, { props: { feedback: noErrors, name: 'Priya', phone: '', email: '', password: '' } })
    expect(w.get('#reg-name').element.value).toBe('Priya')
    await w.get('#reg-phone').setValue('9876543210')
    await w.get('#reg-email').setValue('priya@example.com')
    await w.get('#reg-password').setValue('HomeServe#2026')
    expect(w.emitted('update:phone')).toEqual([['9876543210']])
    expect(w.emitted('update:email')).toEqual([['priya@example.com']])
    expect(w.emitted('update:password')).toEqual([['HomeServe#2026']])
    expect(w.emitted('update:name')).toBeUndefined()
  })
})
