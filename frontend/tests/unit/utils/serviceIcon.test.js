import { describe, expect, it } from 'vitest'
import { serviceIcon } from '@/utils/serviceIcon'

describe('serviceIcon', () => {
  it.each([
    ['Home Cleaning', 'bi-stars'],
    ['Plumbing Repair', 'bi-droplet-half'],
    ['ELECTRICAL wiring', 'bi-lightning-charge'],
    ['AC Service', 'bi-snow'],
    ['Air conditioner repair', 'bi-snow'],
    ['Pest Control', 'bi-bug'],
    ['Packers and Movers', 'bi-truck'],
  ])('%s → %s', (name, icon) => {
    expect(serviceIcon(name)).toBe(icon)
  })

  it('matches "AC" only as a word', () => {
    expect(serviceIcon('Tracking')).toBe('bi-tools')
  })

  it('takes the first matching kind', () => {
    // "Wash" (cleaning) comes before "water" (plumbing).
    expect(serviceIcon('Water tank wash')).toBe('bi-stars')
  })

  it('falls back to tools for an unknown, empty or missing name', () => {
    expect(serviceIcon('Locksmith')).toBe('bi-tools')
    expect(serviceIcon('')).toBe('bi-tools')
    expect(serviceIcon()).toBe('bi-tools')
  })
})
