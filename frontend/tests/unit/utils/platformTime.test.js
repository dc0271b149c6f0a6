import { describe, expect, it } from 'vitest'
import { formatPlatformDate, formatPlatformDateTime } from '@/utils/platformTime'

// The tests run in São Paulo (tests/unit/setup.js): the platform's zone must win over the browser's.
describe('platform time', () => {
  it("shows an instant on Kolkata's clock", () => {
    expect(formatPlatformDateTime('2026-11-30T18:30:00Z')).toBe('1 Dec 2026, 00:00 IST')
    expect(formatPlatformDateTime('2026-11-30T13:05:09.123456+00:00')).toBe('30 Nov 2026, 18:35 IST')
  })

  it("takes the day from Kolkata's calendar", () => {
    expect(formatPlatformDate('2026-11-30T20:00:00Z')).toBe('1 Dec 2026')
  })

  it('has a dash for nothing', () => {
    expect(formatPlatformDateTime(null)).toBe('—')
    expect(formatPlatformDate('not a date')).toBe('—')
  })
})
