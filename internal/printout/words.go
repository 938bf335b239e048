package printout

import (
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
)

// Mexican invoices print their total in words, the "importe con letra": (VEINTITRÉS MIL
// CIENTO SETENTA Y SEIS PESOS 50/100 M.N.).

// currencyWords are a currency's names, singular and plural, and what follows the cents.
var currencyWords = map[string][3]string{
	"MXN": {"PESO", "PESOS", "M.N."},
	"USD": {"DÓLAR", "DÓLARES", "USD"},
	"EUR": {"EURO", "EUROS", "EUR"},
	"UYU": {"PESO URUGUAYO", "PESOS URUGUAYOS", "UYU"},
}

// AmountInWords is an amount in Spanish words with its currency and cents, as Mexican
// invoices print it. amount is a decimal string ("23176.50").
func AmountInWords(amount, currency string) string {
	d, err := decimal.NewFromString(amount)
	if err != nil {
		return ""
	}
	neg := d.IsNegative()
	d = d.Abs().Round(2)
	whole := d.Truncate(0)
	cents := d.Sub(whole).Shift(2).IntPart()
	n := whole.BigInt()
	if !n.IsInt64() {
		return ""
	}
	names, ok := currencyWords[currency]
	if !ok {
		names = [3]string{currency, currency, currency}
	}
	w := Words(n.Int64())
	noun := names[1]
	switch {
	case n.Int64() == 1:
		noun = names[0]
	case strings.HasSuffix(w, "MILLÓN") || strings.HasSuffix(w, "MILLONES") || strings.HasSuffix(w, "BILLÓN") || strings.HasSuffix(w, "BILLONES"):
		noun = "DE " + noun // un millón de pesos
	}
	w = apocope(w)
	if neg {
		w = "MENOS " + w
	}
	return fmt.Sprintf("(%s %s %02d/100 %s)", w, noun, cents, names[2])
}

// apocope shortens a final "UNO" before the noun: un peso, veintiún pesos, ciento un pesos.
func apocope(w string) string {
	switch {
	case strings.HasSuffix(w, "VEINTIUNO"):
		return strings.TrimSuffix(w, "VEINTIUNO") + "VEINTIÚN"
	case strings.HasSuffix(w, "UNO"):
		return strings.TrimSuffix(w, "UNO") + "UN"
	}
	return w
}

var (
	units = []string{"CERO", "UNO", "DOS", "TRES", "CUATRO", "CINCO", "SEIS", "SIETE", "OCHO", "NUEVE", "DIEZ",
		"ONCE", "DOCE", "TRECE", "CATORCE", "QUINCE", "DIECISÉIS", "DIECISIETE", "DIECIOCHO", "DIECINUEVE", "VEINTE",
		"VEINTIUNO", "VEINTIDÓS", "VEINTITRÉS", "VEINTICUATRO", "VEINTICINCO", "VEINTISÉIS", "VEINTISIETE", "VEINTIOCHO", "VEINTINUEVE"}
	tens     = []string{"", "", "", "TREINTA", "CUARENTA", "CINCUENTA", "SESENTA", "SETENTA", "OCHENTA", "NOVENTA"}
	hundreds = []string{"", "CIENTO", "DOSCIENTOS", "TRESCIENTOS", "CUATROCIENTOS", "QUINIENTOS", "SEISCIENTOS",
		"SETECIENTOS", "OCHOCIENTOS", "NOVECIENTOS"}
)

// Words writes n (0 ≤ n < 10^18) in Spanish words, upper case: 1001 MIL UNO, 21000
// VEINTIÚN MIL, 1000000 UN MILLÓN, 2000000000 DOS MIL MILLONES.
func Words(n int64) string {
	if n == 0 {
		return "CERO"
	}
	var parts []string
	if b := n / 1e12; b > 0 {
		if b == 1 {
			parts = append(parts, "UN BILLÓN")
		} else {
			parts = append(parts, apocope(thousands(b))+" BILLONES")
		}
		n %= 1e12
	}
	if m := n / 1e6; m > 0 {
		if m == 1 {
			parts = append(parts, "UN MILLÓN")
		} else {
			parts = append(parts, apocope(thousands(m))+" MILLONES")
		}
		n %= 1e6
	}
	if n > 0 {
		parts = append(parts, thousands(n))
	}
	return strings.Join(parts, " ")
}

// thousands writes 1 ≤ n < 10^6.
func thousands(n int64) string {
	var parts []string
	if t := n / 1000; t > 0 {
		if t == 1 {
			parts = append(parts, "MIL")
		} else {
			parts = append(parts, apocope(belowThousand(t))+" MIL")
		}
	}
	if r := n % 1000; r > 0 {
		parts = append(parts, belowThousand(r))
	}
	return strings.Join(parts, " ")
}

// belowThousand writes 1 ≤ n < 1000.
func belowThousand(n int64) string {
	if n == 100 {
		return "CIEN"
	}
	var parts []string
	if h := n / 100; h > 0 {
		parts = append(parts, hundreds[h])
	}
	switch r := n % 100; {
	case r == 0:
	case r < 30:
		parts = append(parts, units[r])
	case r%10 == 0:
		parts = append(parts, tens[r/10])
	default:
		parts = append(parts, tens[r/10]+" Y "+units[r%10])
	}
	return strings.Join(parts, " ")
}
