const ICONS = [
  [/clean|maid|wash|sanit/i, 'bi-stars'],
  [/plumb|pipe|leak|water/i, 'bi-droplet-half'],
  [/electr|wiring|light|fan/i, 'bi-lightning-charge'],
  [/paint/i, 'bi-brush'],
  [/carpent|wood|furniture/i, 'bi-hammer'],
  [/\bac\b|air ?con|cool|fridge|refrigerat|applianc/i, 'bi-snow'],
  [/pest|termite/i, 'bi-bug'],
  [/garden|lawn|plant/i, 'bi-flower1'],
  [/salon|beauty|spa|hair/i, 'bi-scissors'],
  [/move|mover|pack|shift/i, 'bi-truck'],
]

/** A Bootstrap Icons class that suits a service name. */
export function serviceIcon(name = '') {
  const hit = ICONS.find(([re]) => re.test(name))
  return hit ? hit[1] : 'bi-tools'
}
