/**
 * Service categories for browsing the catalogue, derived from the service's name (the API has no category):
 * the first rule that matches wins, so "Washing Machine Repair" is an appliance, not cleaning, and
 * "RO Water Purifier Service" is not plumbing.
 */
export const CATEGORIES = [
  { key: 'appliances', label: 'Appliances', icon: 'bi-snow', test: /\bac\b|air ?con|fridge|refrigerat|washing machine|purifier|\bro\b|microwave|geyser|chimney repair|applianc|tv\b/i },
  { key: 'cleaning', label: 'Cleaning & pest control', icon: 'bi-stars', test: /clean|maid|sanitis|sanitiz|shampoo|pest|termite|laundry/i },
  { key: 'plumbing', label: 'Plumbing', icon: 'bi-droplet-half', test: /plumb|pipe|leak|tap\b|drain|water tank/i },
  { key: 'electrical', label: 'Electrical', icon: 'bi-lightning-charge', test: /electr|wiring|switch|socket|\bfan\b|light|inverter/i },
  { key: 'repairs', label: 'Repairs & painting', icon: 'bi-hammer', test: /carpent|wood|furniture|paint|repair|mason|handyman|lock/i },
  { key: 'beauty', label: 'Beauty & wellness', icon: 'bi-scissors', test: /salon|beauty|spa\b|hair|makeup|massage|groom|facial|manicure|pedicure/i },
]
export const OTHER = { key: 'other', label: 'More services', icon: 'bi-tools' }

/** The category of a service: {key, label, icon}; a category the API sends (service.category) wins. */
export function categoryOf(service) {
  const given = typeof service?.category === 'string' ? service.category.trim() : ''
  if (given) {
    const known = [...CATEGORIES, OTHER].find((c) => c.key === given.toLowerCase() || c.label.toLowerCase() === given.toLowerCase())
    return known ? { key: known.key, label: known.label, icon: known.icon } : { key: given.toLowerCase(), label: given, icon: OTHER.icon }
  }
  const name = String(service?.name || '')
  const hit = CATEGORIES.find((c) => c.test.test(name)) || OTHER
  return { key: hit.key, label: hit.label, icon: hit.icon }
}

/**
 * Services grouped by category, keeping the order they came in (most popular first when the API sorted
 * them so): the groups follow their first service, so the category of the most popular service leads.
 * → [{key, label, icon, services: [...]}]
 */
export function groupByCategory(services) {
  const groups = new Map()
  for (const service of services || []) {
    const category = categoryOf(service)
    if (!groups.has(category.key)) groups.set(category.key, { ...category, services: [] })
    groups.get(category.key).services.push(service)
  }
  return [...groups.values()]
}
