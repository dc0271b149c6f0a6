import { describe, expect, it } from 'vitest'
import { categoryOf, groupByCategory } from '@/utils/categories'

const demo = [
  'Home Deep Cleaning', 'Bathroom Cleaning', 'Kitchen Cleaning', 'Sofa Shampooing', 'Plumbing Repair',
  'Electrical Repair', 'AC Service', 'AC Gas Refill', 'Washing Machine Repair', 'Refrigerator Repair',
  'RO Water Purifier Service', 'Pest Control', 'Carpentry', 'Home Painting', 'Salon at Home for Women',
]

describe('categoryOf', () => {
  it.each([
    ['Home Deep Cleaning', 'cleaning'],
    ['Sofa Shampooing', 'cleaning'],
    ['Pest Control', 'cleaning'],
    ['Plumbing Repair', 'plumbing'],
    ['Electrical Repair', 'electrical'],
    ['Ceiling fan installation', 'electrical'],
    ['AC Service', 'appliances'],
    ['Washing Machine Repair', 'appliances'],
    ['RO Water Purifier Service', 'appliances'],
    ['Refrigerator Repair', 'appliances'],
    ['Carpentry', 'repairs'],
    ['Home Painting', 'repairs'],
    ['Salon at Home for Women', 'beauty'],
    ['Tutoring', 'other'],
  ])('%s is %s', (name, key) => {
    expect(categoryOf({ name }).key).toBe(key)
  })

  it('takes the category the API gives', () => {
    expect(categoryOf({ name: 'Carpentry', category: 'Plumbing' }).key).toBe('plumbing')
    expect(categoryOf({ name: 'Carpentry', category: 'Gardening' })).toEqual({ key: 'gardening', label: 'Gardening', icon: 'bi-tools' })
  })

  it('copes with nothing', () => {
    expect(categoryOf(null).key).toBe('other')
    expect(categoryOf({}).key).toBe('other')
  })
})

describe('groupByCategory', () => {
  it('puts every service in exactly one group', () => {
    const groups = groupByCategory(demo.map((name, id) => ({ id, name })))
    expect(groups.flatMap((g) => g.services).length).toBe(demo.length)
    expect(groups.map((g) => g.key)).not.toContain('other')
  })

  it('keeps the order of the list: the first service leads its group and its group leads', () => {
    const groups = groupByCategory([{ name: 'AC Service' }, { name: 'Plumbing Repair' }, { name: 'AC Gas Refill' }])
    expect(groups.map((g) => g.key)).toEqual(['appliances', 'plumbing'])
    expect(groups[0].services.map((s) => s.name)).toEqual(['AC Service', 'AC Gas Refill'])
  })

  it('is empty for no services', () => {
    expect(groupByCategory([])).toEqual([])
    expect(groupByCategory(undefined)).toEqual([])
  })
})
