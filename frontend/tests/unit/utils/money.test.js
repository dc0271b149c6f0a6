import { describe, expect, it } from 'vitest'
import { formatMoney } from '@/utils/money'

describe('formatMoney', () => {
  it('shows whole rupees when there are no paise', () => {
    expect(formatMoney(1499)).toBe('₹1,499')
    expect(formatMoney('1499.00')).toBe('₹1,499')
    expect(formatMoney(0)).toBe('₹0')
    expect(formatMoney('299')).toBe('₹299')
  })

  it('shows two decimals when there are paise', () => {
    expect(formatMoney('1499.50')).toBe('₹1,499.50')
    expect(formatMoney(59.8)).toBe('₹59.80')
    expect(formatMoney(0.05)).toBe('₹0.05')
  })

  it('groups digits the Indian way', () => {
    expect(formatMoney(100000)).toBe('₹1,00,000')
    expect(formatMoney(12345678.9)).toBe('₹1,23,45,678.90')
    expect(formatMoney(-2500)).toBe('-₹2,500')
  })

  it('rounds to paise before choosing', () => {
    expect(formatMoney(1499.001)).toBe('₹1,499')
    expect(formatMoney(1499.999)).toBe('₹1,500')
    expect(formatMoney(1234567.891)).toBe('₹12,34,567.89')
  })

  it.each([null, undefined, '', 'abc', Number.NaN, Number.POSITIVE_INFINITY])('shows a dash for %j', (value) => {
    expect(formatMoney(value)).toBe('—')
  })
})
