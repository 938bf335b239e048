package activities

import (
	"fmt"
	"html"
	"strings"
	"time"

	"billrun/internal/fiscal"
	"billrun/internal/printout"
	"billrun/internal/store"
)

// message is an invoice's e-mail: what a customer sees before opening the attachments.
type message struct {
	subject, text, html string
}

// invoiceMessage words an invoice's e-mail in its country's terms (d, from its fiscal
// profile): the document's name and fiscal number, total, due date and what identifies it
// at the authority, in plain text and HTML.
func invoiceMessage(h store.DeliveryHead, d fiscal.Description) message {
	kind, number := d.Name, d.Number
	if number == "" {
		number = fmt.Sprintf("%s-%d", h.Series, derefNumber(h.Number))
	}
	money := d.Money
	if money == nil {
		money = printout.Money
	}
	total := money(h.Total.StringFixed(h.Decimals)) + " " + h.Currency
	var due string
	if h.TermsKind == "credit" && h.DocumentKind != "credit_note" && h.DocumentKind != "payment_receipt" { // nothing is owed on those
		due = h.Date.AddDate(0, 0, h.TermsDays).Format(time.DateOnly)
	}
	subject := fmt.Sprintf("%s %s de %s: %s", kind, number, h.IssuerName, total)
	if due != "" {
		subject += ", vence el " + due
	}
	facts := [][2]string{{"Documento", kind + " " + number}, {"Fecha", h.Date.Format(time.DateOnly)}, {"Total", total}}
	if due != "" {
		facts = append(facts, [2]string{"Vencimiento", fmt.Sprintf("%s (crédito a %d días)", due, h.TermsDays)})
	}
	facts = append(facts, d.Facts...)
	intro := fmt.Sprintf("Le enviamos su %s %s.", lowerFirst(kind), number)
	attach := d.Attachments

	var t strings.Builder
	fmt.Fprintf(&t, "Estimado cliente %s:\n\n%s\n\n", h.CustomerName, intro)
	for _, f := range facts {
		fmt.Fprintf(&t, "  %s: %s\n", f[0], f[1])
	}
	fmt.Fprintf(&t, "\n%s\n\n%s\n", attach, h.IssuerName)

	e := html.EscapeString
	var b strings.Builder
	fmt.Fprintf(&b, "<!DOCTYPE html>\n<html><body style=\"font-family: sans-serif\">\n<p>Estimado cliente %s:</p>\n<p>%s</p>\n<table>\n", e(h.CustomerName), e(intro))
	for _, f := range facts {
		v := e(f[1])
		if strings.HasPrefix(f[1], "https://") {
			v = fmt.Sprintf("<a href=\"%s\">%s</a>", v, v)
		}
		fmt.Fprintf(&b, "<tr><th align=\"left\">%s</th><td>%s</td></tr>\n", e(f[0]), v)
	}
	fmt.Fprintf(&b, "</table>\n<p>%s</p>\n<p>%s</p>\n</body></html>\n", e(attach), e(h.IssuerName))
	return message{subject: subject, text: t.String(), html: b.String()}
}

// lowerFirst lowers a name's first letter for the middle of a sentence ("su factura", but
// "su e-Factura" stays).
func lowerFirst(s string) string {
	if s == "" || strings.HasPrefix(s, "e-") {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

func derefNumber(n *int64) int64 {
	if n == nil {
		return 0
	}
	return *n
}
