// Package rules holds billrun's money and grouping rules as pure functions — pricing and
// rounding, grouping, the batch planner (screen, route, group, price drafts), the plan
// split by quota, receivables, numbering dates, periods. No I/O, no clock: activities and
// the store call them; tests pin them with tables and properties.
package rules
