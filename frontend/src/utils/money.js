/**
 * The one money formatter of the app: Indian rupees with Indian digit grouping, whole rupees when there are
 * no paise ("₹1,499", "₹1,00,000") and two decimals when there are ("₹1,499.50"), never a spreadsheet's ".00".
 */
const whole = new Intl.NumberFormat('en-IN', {
  style: 'currency',
  currency: 'INR',
  minimumFractionDigits: 0,
  maximumFractionDigits: 0,
})
const withPaise = new Intl.NumberFormat('en-IN', {
  style: 'currency',
  currency: 'INR',
  minimumFractionDigits: 2,
  maximumFractionDigits: 2,
})

/** ₹1,499 · ₹1,499.50 · ₹1,00,000 · "—" when there is no amount. */
export function formatMoney(value) {
  if (value === null || value === undefined || value === '') return '—'
  const n = Number(value)
  if (!Number.isFinite(n)) return '—'
  // Decided on the amount rounded to paise, so 1499.001 is "₹1,499" and not "₹1,499.00".
  const paise = Math.round(n * 100)
  return paise % 100 === 0 ? whole.format(paise / 100) : withPaise.format(paise / 100)
}
