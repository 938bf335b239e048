package printout

import "strings"

// Money writes an amount with thousands separators: 1234567.80 → 1,234,567.80.
func Money(s string) string { return grouped(s, ',', '.') }

// MoneyUY writes an amount in Uruguayan notation: 1.234,56.
func MoneyUY(s string) string { return grouped(s, '.', ',') }

// grouped writes a decimal string with a thousands separator and a decimal mark.
func grouped(s string, thousands, mark byte) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(thousands)
		}
		b.WriteRune(c)
	}
	out := b.String()
	if hasFrac {
		out += string(mark) + frac
	}
	if neg {
		out = "-" + out
	}
	return out
}
