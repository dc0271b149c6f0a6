import { describe, expect, it } from 'vitest'
import { experienceText, formatDayMonthYear, formatMonthYear, jobsDoneText } from '@/utils/publicText'

// The tests run in America/Sao_Paulo (tests/unit/setup.js): the dates below must still be India's.
describe('formatDayMonthYear', () => {
  it("shows the day in India's time zone", () => {
    expect(formatDayMonthYear('2026-11-12T10:00:00Z')).toBe('12 Nov 2026')
    // 19:00 UTC on 12 Nov is 00:30 on 13 Nov in India (and still 12 Nov in São Paulo).
    expect(formatDayMonthYear('2026-11-12T19:00:00Z')).toBe('13 Nov 2026')
  })

  it('takes a bare calendar day as that day', () => {
    expect(formatDayMonthYear('2026-11-12')).toBe('12 Nov 2026')
    expect(formatDayMonthYear('2026-01-01')).toBe('1 Jan 2026')
  })

  it.each([null, undefined, '', 'soon'])('is empty for %j', (value) => {
    expect(formatDayMonthYear(value)).toBe('')
  })
})

describe('formatMonthYear', () => {
  it('shows the month and year in India', () => {
    expect(formatMonthYear('2025-03-31T20:00:00Z')).toBe('April 2025')
    expect(formatMonthYear('2025-03-15')).toBe('March 2025')
    expect(formatMonthYear(null)).toBe('')
  })
})

describe('experienceText and jobsDoneText', () => {
  it('count in words', () => {
    expect(experienceText(1)).toBe('1 year of experience')
    expect(experienceText(8)).toBe('8 years of experience')
    expect(experienceText(0)).toBe('Less than a year of experience')
    expect(experienceText(null)).toBe('Less than a year of experience')
    expect(experienceText('x')).toBe('')
    expect(jobsDoneText(1)).toBe('1 job done')
    expect(jobsDoneText(1200)).toBe('1,200 jobs done')
    expect(jobsDoneText(0)).toBe('No jobs done yet')
  })
})
