import { mount } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import FormError from '@/components/FormError.vue'
import SubmitButton from '@/components/SubmitButton.vue'

describe('SubmitButton', () => {
  it('is a submit button with its classes, test id and label', () => {
    const w = mount(SubmitButton, { props: { testid: 'login-submit' }, attrs: { class: 'btn-primary w-100' }, slots: { default: 'Log in' } })
    const button = w.get('button')
    expect(button.attributes('type')).toBe('submit')
    expect(button.classes()).toEqual(expect.arrayContaining(['btn', 'btn-primary', 'w-100']))
    expect(button.attributes('data-testid')).toBe('login-submit')
    expect(button.text()).toBe('Log in')
    expect(button.attributes('disabled')).toBeUndefined()
    expect(w.find('.spinner-border').exists()).toBe(false)
  })

  it('shows a hidden spinner instead of its icon and cannot be pressed while busy', async () => {
    const w = mount(SubmitButton, { props: { icon: 'bi-upload' }, slots: { default: 'Upload' } })
    expect(w.get('i.bi').classes()).toContain('bi-upload')
    await w.setProps({ busy: true })
    expect(w.get('button').attributes('disabled')).toBeDefined()
    expect(w.get('.spinner-border').attributes('aria-hidden')).toBe('true')
    expect(w.find('i.bi').exists()).toBe(false)
    expect(w.text()).toBe('Upload')
  })

  it('can be disabled for another reason, without a spinner', () => {
    const w = mount(SubmitButton, { props: { disabled: true }, slots: { default: 'Export CSV' } })
    expect(w.get('button').attributes('disabled')).toBeDefined()
    expect(w.find('.spinner-border').exists()).toBe(false)
  })
})

describe('FormError', () => {
  it('is nothing without a message', () => {
    const w = mount(FormError, { props: { message: '', testid: 'login-error' } })
    expect(w.find('[data-testid="login-error"]').exists()).toBe(false)
  })

  it('is an alert with the message', () => {
    const w = mount(FormError, { props: { message: 'Wrong email or password.', testid: 'login-error' }, attrs: { class: 'py-2' } })
    const alert = w.get('[data-testid="login-error"]')
    expect(alert.attributes('role')).toBe('alert')
    expect(alert.classes()).toEqual(expect.arrayContaining(['alert', 'alert-danger', 'py-2']))
    expect(alert.text()).toBe('Wrong email or password.')
  })
})
