// Package catalogs holds the authorities' codes and check digits billrun validates against:
// leaves that import nothing of billrun, so the import format, the store and the fiscal
// formats can all use them.
package catalogs

import (
	"fmt"
	"regexp"
)

var (
	rutPattern = regexp.MustCompile(`^[0-9]{12}$`)
	ciPattern  = regexp.MustCompile(`^[0-9]{7,8}$`)
)

// ValidRUT tells whether s is a RUT by DGI's rule: 12 digits, the last a check digit of
// the first eleven (weights 4,3,2,9,8,7,6,5,4,3,2, modulo 11).
func ValidRUT(s string) bool {
	if !rutPattern.MatchString(s) {
		return false
	}
	weights := []int{4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2}
	sum := 0
	for i, w := range weights {
		sum += int(s[i]-'0') * w
	}
	check := 11 - sum%11
	switch check {
	case 11:
		check = 0
	case 10:
		return false
	}
	return int(s[11]-'0') == check
}

// ValidCI tells whether s is a Uruguayan cédula: 7 or 8 digits, the last a check digit of
// the others (weights 2,9,8,7,6,3,4, modulo 10).
func ValidCI(s string) bool {
	if !ciPattern.MatchString(s) {
		return false
	}
	for len(s) < 8 {
		s = "0" + s
	}
	weights := []int{2, 9, 8, 7, 6, 3, 4}
	sum := 0
	for i, w := range weights {
		sum += int(s[i]-'0') * w
	}
	return int(s[7]-'0') == (10-sum%10)%10
}

// CFETypeNames are the CFE types' names as DGI's printing rules print them.
var CFETypeNames = map[string]string{"101": "e-Ticket", "102": "Nota de crédito de e-Ticket", "111": "e-Factura", "112": "Nota de crédito de e-Factura",
	"201": "e-Ticket Contingencia", "202": "Nota de crédito de e-Ticket Contingencia", "203": "Nota de débito de e-Ticket Contingencia",
	"211": "e-Factura Contingencia", "212": "Nota de crédito de e-Factura Contingencia", "213": "Nota de débito de e-Factura Contingencia"}

// CFENumber is a CFE's series and number as DGI prints them: "A 0000001".
func CFENumber(series string, number int64) string {
	return fmt.Sprintf("%s %07d", series, number)
}
