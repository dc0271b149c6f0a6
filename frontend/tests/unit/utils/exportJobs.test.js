import { describe, expect, it } from 'vitest'
import { describeFilters, exportTitle } from '@/utils/exportJobs'

describe('exportTitle', () => {
  it('names an export by when it was asked for (India time) and by whom, not by its id', () => {
    const title = exportTitle({ job_id: '0123456789abcdef0123456789abcdef', created_at: '2026-11-30T13:00:00Z', requested_by: { id: 1, name: 'Admin' } })
    expect(title).toBe('Export of 30 Nov 2026, 18:30 IST by Admin')
    expect(title).not.toContain('0123456789abcdef')
  })

  it('falls back to a plain word before the server has said when', () => {
    expect(exportTitle({ job_id: 'x' })).toBe('Export')
  })
})

describe('describeFilters', () => {
  it('says "All statuses" for "all" or no status', () => {
    expect(describeFilters({ status: 'all' })).toBe('All statuses · all professionals · any date')
    expect(describeFilters({ status: null })).toBe('All statuses · all professionals · any date')
  })

  it('names the status, the professional and the dates', () => {
    const nameOf = (id) => (id === 7 ? 'Ravi Kumar' : null)
    expect(describeFilters({ status: 'closed', professional_id: 7, date_from: '2026-11-01', date_to: '2026-11-30' }, nameOf)).toBe(
      'Closed · Ravi Kumar · from 2026-11-01 to 2026-11-30',
    )
    expect(describeFilters({ status: 'cancelled', professional_id: 9, date_to: '2026-11-30' }, nameOf)).toBe('Cancelled · professional #9 · until 2026-11-30')
  })
})
