import { mount } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import DateTimeField from '@/components/DateTimeField.vue'

describe('DateTimeField', () => {
  it('labels a date and a time input named after the prefix', () => {
    const w = mount(DateTimeField, { props: { idPrefix: 'booking', date: '2026-11-02', time: '10:00' } })
    const date = w.get('#booking-date')
    const time = w.get('#booking-time')
    expect(date.attributes('type')).toBe('date')
    expect(time.attributes('type')).toBe('time')
    expect(w.get('label[for="booking-date"]').text()).toBe('Date')
    expect(w.get('label[for="booking-time"]').text()).toBe('Time')
    expect(date.attributes('data-testid')).toBe('booking-date')
    expect(time.attributes('data-testid')).toBe('booking-time')
    expect(date.element.value).toBe('2026-11-02')
    expect(time.element.value).toBe('10:00')
  })

  it('puts the earliest date on the date input only, and required only when asked', () => {
    const w = mount(DateTimeField, { props: { idPrefix: 'edit', min: '2026-05-01' } })
    expect(w.get('#edit-date').attributes('min')).toBe('2026-05-01')
    expect(w.get('#edit-time').attributes('min')).toBeUndefined()
    expect(w.get('#edit-date').attributes('required')).toBeUndefined()
    const required = mount(DateTimeField, { props: { idPrefix: 'edit', required: true } })
    expect(required.get('#edit-date').attributes('required')).toBeDefined()
    expect(required.get('#edit-time').attributes('required')).toBeDefined()
  })

  it('shows no error state without an error', () => {
    const w = mount(DateTimeField, { props: { idPrefix: 'edit' } })
    for (const input of w.findAll('input')) {
      expect(input.classes()).not.toContain('is-invalid')
      expect(input.attributes('aria-invalid')).toBeUndefined()
      expect(input.attributes('aria-describedby')).toBeUndefined()
    }
    expect(w.find('#edit-when-error').exists()).toBe(false)
  })

  it('marks both inputs invalid and points both to the one error', () => {
    const w = mount(DateTimeField, { props: { idPrefix: 'booking', error: 'The date and time cannot be in the past.' } })
    const error = w.get('#booking-when-error')
    expect(error.text()).toBe('The date and time cannot be in the past.')
    expect(error.attributes('data-testid')).toBe('booking-date-error')
    for (const input of w.findAll('input')) {
      expect(input.classes()).toContain('is-invalid')
      expect(input.attributes('aria-invalid')).toBe('true')
      expect(input.attributes('aria-describedby')).toBe('booking-when-error')
    }
  })

  it('sends each input’s changes to its own model', async () => {
    const w = mount(DateTimeField, { props: { idPrefix: 'edit', date: '', time: '' } })
    await w.get('#edit-date').setValue('2026-12-24')
    await w.get('#edit-time').setValue('18:30')
    expect(w.emitted('update:date')).toEqual([['2026-12-24']])
    expect(w.emitted('update:time')).toEqual([['18:30']])
  })

  it('adds the slot inside its row, after the error', () => {
    const w = mount(DateTimeField, { props: { idPrefix: 'edit', error: 'Choose both.' }, slots: { default: '<p class="col-12 note">Currently 2 Nov</p>' } })
    const row = w.get('.row')
    expect(row.element.lastElementChild.textContent).toBe('Currently 2 Nov')
    expect(row.element.lastElementChild.previousElementSibling.id).toBe('edit-when-error')
  })
})
