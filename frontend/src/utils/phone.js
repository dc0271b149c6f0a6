/**
 * A `tel:` link for a phone number as people type it ("98450 12345", "+91 98450-12345"), so that a tap on a
 * phone calls it. Indian mobile numbers without a country code get +91: a bare 10-digit number dialled from
 * abroad (or by some apps) would not reach it. Null when there is nothing to call.
 */
export function telHref(phone) {
  if (phone === null || phone === undefined) return null
  const raw = String(phone).trim()
  let digits = raw.replace(/[^\d+]/g, '')
  if (!/\d/.test(digits)) return null
  // A plus sign only counts at the start.
  digits = digits[0] + digits.slice(1).replace(/\+/g, '')
  if (/^0?[6-9]\d{9}$/.test(digits)) return `tel:+91${digits.slice(-10)}`
  if (/^91[6-9]\d{9}$/.test(digits)) return `tel:+${digits}`
  return `tel:${digits}`
}
