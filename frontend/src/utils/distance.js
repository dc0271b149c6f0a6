/**
 * A distance in kilometres as people say it: "less than 1 km away", "3 km away", "12.5 km away" under 10 km
 * only when the tenth matters; '' when unknown (no PIN to measure from, or no place for the professional).
 */
export function formatDistance(km) {
  if (km === null || km === undefined || km === '') return ''
  const n = Number(km)
  if (!Number.isFinite(n) || n < 0) return ''
  if (n < 1) return 'less than 1 km away'
  const shown = n < 10 ? Math.round(n * 10) / 10 : Math.round(n)
  return `${new Intl.NumberFormat('en-IN', { maximumFractionDigits: 1 }).format(shown)} km away`
}
