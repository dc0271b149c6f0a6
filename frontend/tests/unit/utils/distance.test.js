import { describe, expect, it } from 'vitest'
import { formatDistance } from '@/utils/distance'

describe('formatDistance', () => {
  it('says "less than 1 km away" under a kilometre', () => {
    expect(formatDistance(0)).toBe('less than 1 km away')
    expect(formatDistance(0.4)).toBe('less than 1 km away')
  })

  it('keeps a tenth under 10 km and rounds above', () => {
    expect(formatDistance(3)).toBe('3 km away')
    expect(formatDistance(3.04)).toBe('3 km away')
    expect(formatDistance('2.5')).toBe('2.5 km away')
    expect(formatDistance(12.6)).toBe('13 km away')
    expect(formatDistance(1234.2)).toBe('1,234 km away')
  })

  it.each([null, undefined, '', 'far', -1, Number.NaN])('is empty for %j', (km) => {
    expect(formatDistance(km)).toBe('')
  })
})
