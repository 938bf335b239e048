// Package rules holds billrun's money and grouping rules as pure functions: no I/O, no clock.
// Activities call them; tests pin them with tables and properties.
package rules
