import { describe, expect, it } from 'vitest'
import {
  STATUSES,
  cancellationFee,
  cancellationSentence,
  cancellationText,
  hasRequestActions,
  hasStarted,
  historyRows,
  nextStep,
  requestActions,
  statusReason,
  whoDid,
} from '@/utils/lifecycle'

// The tests run in America/Sao_Paulo (tests/unit/setup.js): every time shown must still be Kolkata's.
// A booking on Tue 1 Dec 2026, 10:30–11:15 in Kolkata (05:00 UTC).
const START = '2026-12-01T10:30:00+05:30'
const END = '2026-12-01T11:15:00+05:30'
const BEFORE = new Date('2026-12-01T04:00:00Z') // 09:30 in Kolkata, an hour before the start
const AFTER = new Date('2026-12-01T05:01:00Z') // a minute after the start
const LONG_BEFORE = new Date('2026-11-28T05:00:00Z') // three days before

const req = (status, extra = {}) => ({
  id: 9,
  status,
  service_id: 3,
  service_name: 'Plumbing',
  customer_name: 'Asha Rao',
  professional_name: 'Ravi Kumar',
  date_of_request: START,
  end_time: END,
  price: 299,
  cancelled_by: null,
  cancellation_fee: null,
  status_reason: null,
  ...extra,
})
const shown = (a) => Object.entries(a).filter(([k, v]) => v && k !== 'completeFrom').map(([k]) => k).sort()

describe('STATUSES', () => {
  it('lists the seven statuses in the order of the lifecycle', () => {
    expect(STATUSES).toEqual(['requested', 'assigned', 'completed', 'closed', 'rejected', 'cancelled', 'expired'])
  })
})

describe('hasStarted', () => {
  it('is true from the booked start on', () => {
    expect(hasStarted(req('assigned'), BEFORE)).toBe(false)
    expect(hasStarted(req('assigned'), new Date('2026-12-01T05:00:00Z'))).toBe(true)
    expect(hasStarted(req('assigned'), AFTER)).toBe(true)
  })

  it('is false without a start', () => {
    expect(hasStarted({ status: 'assigned' }, AFTER)).toBe(false)
    expect(hasStarted(null, AFTER)).toBe(false)
  })
})

describe('requestActions: the professional', () => {
  it('accepts or rejects a requested booking', () => {
    expect(shown(requestActions(req('requested'), 'professional', BEFORE))).toEqual(['accept', 'reject'])
  })

  it('can withdraw from an assigned booking, and mark it as done only once it has started', () => {
    const before = requestActions(req('assigned'), 'professional', BEFORE)
    expect(shown(before)).toEqual(['withdraw'])
    expect(before.complete).toBe(false)
    expect(before.completeFrom).toBe('Tue 1 Dec, 10:30')

    const after = requestActions(req('assigned'), 'professional', AFTER)
    expect(shown(after)).toEqual(['complete', 'withdraw'])
    expect(after.completeFrom).toBeNull()
  })

  it('has nothing to do once the booking is done or over', () => {
    for (const status of ['completed', 'closed', 'rejected', 'cancelled', 'expired']) {
      expect(shown(requestActions(req(status), 'professional', AFTER))).toEqual([])
      expect(hasRequestActions(req(status), 'professional', AFTER)).toBe(false)
    }
    expect(hasRequestActions(req('assigned'), 'professional', BEFORE)).toBe(true)
  })

  it('never gets the customer buttons', () => {
    const a = requestActions(req('assigned'), 'professional', AFTER)
    expect([a.close, a.cancel, a.edit]).toEqual([false, false, false])
  })
})

describe('requestActions: the customer', () => {
  it('edits or cancels a requested booking, and cannot close it', () => {
    expect(shown(requestActions(req('requested'), 'customer', AFTER))).toEqual(['cancel', 'edit'])
  })

  it('confirms and rates an assigned booking only once it has started', () => {
    expect(shown(requestActions(req('assigned'), 'customer', BEFORE))).toEqual(['cancel', 'edit'])
    expect(shown(requestActions(req('assigned'), 'customer', AFTER))).toEqual(['cancel', 'close', 'edit'])
  })

  it('confirms and rates completed work at any time, and nothing else', () => {
    expect(shown(requestActions(req('completed'), 'customer', BEFORE))).toEqual(['close'])
  })

  it('has nothing to do on a closed, rejected, cancelled or expired request', () => {
    for (const status of ['closed', 'rejected', 'cancelled', 'expired']) {
      expect(hasRequestActions(req(status), 'customer', AFTER)).toBe(false)
    }
  })

  it('gives the admin no button', () => {
    for (const status of STATUSES) expect(hasRequestActions(req(status), 'admin', AFTER)).toBe(false)
  })
})

describe('whoDid and cancellationText', () => {
  it('says "you" to the one who did it, names the other party, and "automatically" for the system', () => {
    const r = req('cancelled')
    expect(whoDid('customer', r, 'customer')).toBe('you')
    expect(whoDid('customer', r, 'professional')).toBe('Asha Rao')
    expect(whoDid('professional', r, 'customer')).toBe('Ravi Kumar')
    expect(whoDid('professional', {}, 'admin')).toBe('the professional')
    expect(whoDid('admin', r, 'customer')).toBe('the admin')
    expect(whoDid('system', r, 'customer')).toBe('automatically')
    expect(whoDid(null, r, 'customer')).toBe('')
  })

  it('tells who cancelled, a professional withdrawing, and an expiry', () => {
    expect(cancellationText(req('cancelled', { cancelled_by: 'customer' }), 'customer')).toBe('Cancelled by you')
    expect(cancellationText(req('cancelled', { cancelled_by: 'customer' }), 'admin')).toBe('Cancelled by Asha Rao')
    expect(cancellationText(req('cancelled', { cancelled_by: 'professional' }), 'customer')).toBe('Withdrawn by Ravi Kumar')
    expect(cancellationText(req('cancelled', { cancelled_by: 'admin' }), 'professional')).toBe('Cancelled by the admin')
    expect(cancellationText(req('cancelled', { cancelled_by: 'system' }), 'customer')).toBe('Cancelled automatically')
    expect(cancellationText(req('expired', { cancelled_by: 'system' }), 'customer')).toBe('Expired: nobody answered in time')
    expect(cancellationText(req('assigned'), 'customer')).toBe('')
  })
})

describe('cancellationFee and statusReason', () => {
  it('gives the fee of a late cancellation, none for a free one', () => {
    expect(cancellationFee(req('cancelled', { cancellation_fee: 59.8 }))).toBe(59.8)
    expect(cancellationFee(req('cancelled', { cancellation_fee: '59.80' }))).toBe(59.8)
    expect(cancellationFee(req('cancelled', { cancellation_fee: null }))).toBeNull()
    expect(cancellationFee(req('cancelled', { cancellation_fee: 0 }))).toBeNull()
    expect(cancellationFee(null)).toBeNull()
  })

  it('shows the reason of a rejection or a withdrawal only', () => {
    expect(statusReason(req('rejected', { status_reason: ' Fully booked ' }))).toBe('Fully booked')
    expect(statusReason(req('cancelled', { cancelled_by: 'professional', status_reason: 'Unwell' }))).toBe('Unwell')
    expect(statusReason(req('cancelled', { cancelled_by: 'customer', status_reason: 'stale' }))).toBe('')
    expect(statusReason(req('rejected', { status_reason: '  ' }))).toBe('')
    expect(statusReason(req('assigned', { status_reason: 'old' }))).toBe('')
  })
})

describe('nextStep', () => {
  it('requested: the customer waits for the professional, who has 24 hours', () => {
    const step = nextStep(req('requested'), 'customer', LONG_BEFORE)
    expect(step.text).toBe('Waiting for Ravi Kumar to accept (they have 24 hours)')
    expect(step.tone).toBe('wait')
    expect(step.link).toBeNull()
  })

  it('requested: until the start when it comes sooner than 24 hours', () => {
    expect(nextStep(req('requested'), 'customer', BEFORE).text).toBe('Waiting for Ravi Kumar to accept (they have until Tue 1 Dec, 10:30)')
  })

  it('requested: the professional is asked to answer', () => {
    const step = nextStep(req('requested'), 'professional', LONG_BEFORE)
    expect(step.text).toBe('New booking for Tue 1 Dec, 10:30–11:15: accept or reject it (you have 24 hours)')
    expect(step.tone).toBe('todo')
  })

  it('assigned: booked for its time; once started, each party is told what to do', () => {
    expect(nextStep(req('assigned'), 'customer', BEFORE).text).toBe('Booked for Tue 1 Dec, 10:30–11:15')
    expect(nextStep(req('assigned'), 'admin', AFTER).text).toBe('Booked for Tue 1 Dec, 10:30–11:15')
    expect(nextStep(req('assigned'), 'customer', AFTER).text).toBe('Booked for Tue 1 Dec, 10:30–11:15: once the work is done, please confirm and rate')
    expect(nextStep(req('assigned'), 'professional', BEFORE).text).toBe('Booked for Tue 1 Dec, 10:30–11:15')
    expect(nextStep(req('assigned'), 'professional', AFTER).text).toBe('Booked for Tue 1 Dec, 10:30–11:15: mark it as done once the work is finished')
  })

  it('completed: the customer is asked to confirm and rate, the professional waits', () => {
    expect(nextStep(req('completed'), 'customer', AFTER)).toEqual({ text: 'Done — please confirm and rate', tone: 'todo', link: null })
    expect(nextStep(req('completed'), 'professional', AFTER).text).toBe('Done — waiting for Asha Rao to confirm')
  })

  it('closed: nothing more to do', () => {
    expect(nextStep(req('closed', { rating: 4 }), 'customer', AFTER).text).toBe('Closed — thank you for rating')
    expect(nextStep(req('closed'), 'customer', AFTER).text).toBe('Closed — nothing more to do')
    expect(nextStep(req('closed', { rating: 5 }), 'professional', AFTER).text).toBe('Closed — Asha Rao rated your work')
    expect(nextStep(req('closed'), 'admin', AFTER).tone).toBe('done')
  })

  it('expired: the customer is sent to the service page to book someone else', () => {
    const step = nextStep(req('expired', { cancelled_by: 'system' }), 'customer', AFTER)
    expect(step.text).toBe('Nobody answered in time: book someone else')
    expect(step.link).toEqual({ to: '/services/3', label: 'Find another professional' })
    expect(nextStep(req('expired'), 'professional', AFTER)).toEqual({ text: 'You did not answer in time: the booking expired', tone: 'ended', link: null })
  })

  it('rejected or withdrawn: the customer books someone else', () => {
    const rejected = nextStep(req('rejected'), 'customer', AFTER)
    expect(rejected.text).toBe('Ravi Kumar cannot take this job: book someone else')
    expect(rejected.link.to).toBe('/services/3')
    const withdrawn = nextStep(req('cancelled', { cancelled_by: 'professional' }), 'customer', AFTER)
    expect(withdrawn.text).toBe('Ravi Kumar withdrew: book someone else')
    expect(withdrawn.link.to).toBe('/services/3')
    expect(nextStep(req('rejected'), 'professional', AFTER).text).toBe('You turned this booking down')
  })

  it('cancelled by the customer: said as such to each party, with no link', () => {
    const r = req('cancelled', { cancelled_by: 'customer' })
    expect(nextStep(r, 'customer', AFTER)).toEqual({ text: 'You cancelled this booking', tone: 'ended', link: null })
    expect(nextStep(r, 'professional', AFTER).text).toBe('Asha Rao cancelled this booking')
    expect(nextStep(r, 'admin', AFTER).text).toBe('Cancelled by Asha Rao')
    expect(nextStep(req('cancelled', { cancelled_by: 'professional' }), 'professional', AFTER).text).toBe('You withdrew from this booking')
  })

  it('has no link without a service to go to', () => {
    expect(nextStep(req('expired', { service_id: undefined }), 'customer', AFTER).link).toBeNull()
  })
})

describe('cancellationSentence', () => {
  it('says what a late cancellation costs, and why', () => {
    const terms = { late: true, fee: 59.8, free_until: '2026-12-01T07:30:00+05:30' }
    expect(cancellationSentence(terms, req('assigned'), BEFORE)).toBe('Cancelling now costs ₹59.80: less than 3 hours before the start')
  })

  it('counts one hour in the singular, and minutes when the window is not whole hours', () => {
    expect(cancellationSentence({ late: true, fee: 10, free_until: '2026-12-01T09:30:00+05:30' }, req('assigned'), BEFORE)).toBe(
      'Cancelling now costs ₹10: less than 1 hour before the start',
    )
    expect(cancellationSentence({ late: true, fee: 10, free_until: '2026-12-01T10:00:00+05:30' }, req('assigned'), new Date('2026-12-01T04:45:00Z'))).toBe(
      'Cancelling now costs ₹10: less than 30 minutes before the start',
    )
  })

  it('says when the booking has already started', () => {
    const terms = { late: true, fee: '59.80', free_until: '2026-12-01T07:30:00+05:30' }
    expect(cancellationSentence(terms, req('assigned'), AFTER)).toBe('Cancelling now costs ₹59.80: the booking has already started')
  })

  it('says until when cancelling is free, in Kolkata time', () => {
    const terms = { late: false, fee: 0, free_until: '2026-12-01T07:30:00+05:30' }
    expect(cancellationSentence(terms, req('assigned'), LONG_BEFORE)).toBe('Cancelling is free until Tue 1 Dec, 07:30')
    // The same instant written in UTC.
    expect(cancellationSentence({ ...terms, free_until: '2026-12-01T02:00:00Z' }, req('assigned'), LONG_BEFORE)).toBe('Cancelling is free until Tue 1 Dec, 07:30')
  })

  it('keeps a booking nobody accepted yet free, even past the free time', () => {
    const terms = { late: false, fee: 0, free_until: '2026-12-01T07:30:00+05:30' }
    expect(cancellationSentence(terms, req('requested'), BEFORE)).toBe('Cancelling now is free: the professional has not accepted yet')
    expect(cancellationSentence(terms, req('requested'), LONG_BEFORE)).toBe('Cancelling is free until Tue 1 Dec, 07:30')
  })

  it('is free when late but the fee is nothing, and empty without terms', () => {
    expect(cancellationSentence({ late: true, fee: 0, free_until: '2026-12-01T07:30:00+05:30' }, req('assigned'), BEFORE)).toBe('Cancelling now is free')
    expect(cancellationSentence(null, req('assigned'), BEFORE)).toBe('')
  })
})

describe('historyRows', () => {
  const history = [
    { status: 'requested', at: '2026-11-28T10:00:00+05:30', by: 'customer', reason: null },
    { status: 'assigned', at: '2026-11-28T11:15:00+05:30', by: 'professional', reason: null },
    { status: 'requested', at: '2026-11-29T08:00:00+05:30', by: 'customer', reason: null },
    { status: 'cancelled', at: '2026-11-29T09:05:00Z', by: 'professional', reason: 'Unwell ' },
  ]

  it('names each change, when (Kolkata) and by whom, oldest first', () => {
    const rows = historyRows(history, req('cancelled'), 'customer')
    expect(rows.map((r) => [r.label, r.when, r.who, r.reason])).toEqual([
      ['Booked', 'Sat 28 Nov, 10:00', 'you', ''],
      ['Assigned', 'Sat 28 Nov, 11:15', 'Ravi Kumar', ''],
      ['Moved, to be accepted again', 'Sun 29 Nov, 08:00', 'you', ''],
      ['Withdrawn', 'Sun 29 Nov, 14:35', 'Ravi Kumar', 'Unwell'],
    ])
    expect(rows.map((r) => r.status)).toEqual(['requested', 'assigned', 'requested', 'cancelled'])
    expect(new Set(rows.map((r) => r.key)).size).toBe(4)
  })

  it('says "automatically" for the system, and the status for the rest', () => {
    const rows = historyRows([{ status: 'expired', at: '2026-11-29T10:00:00+05:30', by: 'system', reason: null }], req('expired'), 'professional')
    expect(rows[0]).toMatchObject({ label: 'Expired', who: 'automatically' })
    expect(historyRows(undefined)).toEqual([])
  })
})
