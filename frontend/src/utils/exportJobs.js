import { STATUS_LABELS } from './format'
import { formatPlatformDateTime } from './platformTime'

const ALL = 'all'

/** An export as people name it: when it was asked for and by whom ("Export of 30 Nov 2026, 18:30 IST by Admin"). */
export function exportTitle(job) {
  if (!job?.created_at) return 'Export'
  const by = job.requested_by?.name ? ` by ${job.requested_by.name}` : ''
  return `Export of ${formatPlatformDateTime(job.created_at)}${by}`
}

/**
 * What an export holds, from the filters it was started with: "All statuses · all professionals · any date",
 * "Closed · Ravi Kumar · from 2026-11-01 to 2026-11-30". `nameOf(professionalId)` names a professional.
 */
export function describeFilters(filters, nameOf = () => null) {
  const f = filters || {}
  const status = !f.status || f.status === ALL ? 'All statuses' : STATUS_LABELS[f.status] || f.status
  let who = 'all professionals'
  if (f.professional_id !== undefined && f.professional_id !== null) {
    who = nameOf(f.professional_id) || `professional #${f.professional_id}`
  }
  let when = 'any date'
  if (f.date_from && f.date_to) when = `from ${f.date_from} to ${f.date_to}`
  else if (f.date_from) when = `from ${f.date_from}`
  else if (f.date_to) when = `until ${f.date_to}`
  return [status, who, when].join(' · ')
}
