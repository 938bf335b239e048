package activities

import (
	"fmt"
	"html"
	"strings"
	"time"

	"billrun/internal/printout"
	"billrun/internal/store"
)

// message is an invoice's e-mail: what a customer sees before opening the attachments.
type message struct {
	subject, text, html string
}

// kindNames are the documents' names by document kind, as the e-mail says them.
var kindNames = map[string]string{"invoice": "Factura", "ticket": "Ticket", "credit_note": "Nota de crédito"}

// invoiceMessage words an invoice's e-mail: its kind and number, total, due date and folio
// fiscal, in plain text and HTML.
func invoiceMessage(h store.DeliveryHead) message {
	kind := kindNames[h.DocumentKind]
	if kind == "" {
		kind = "Factura"
	}
	folio := fmt.Sprintf("%s-%d", h.Series, derefNumber(h.Number))
	total := printout.Money(h.Total.StringFixed(h.Decimals)) + " " + h.Currency
	var due string
	if h.TermsKind == "credit" && h.DocumentKind != "credit_note" {
		due = h.Date.AddDate(0, 0, h.TermsDays).Format(time.DateOnly)
	}
	subject := fmt.Sprintf("%s %s de %s: %s", kind, folio, h.IssuerName, total)
	if due != "" {
		subject += ", vence el " + due
	}
	facts := [][2]string{{"Documento", kind + " " + folio}, {"Fecha", h.Date.Format(time.DateOnly)}, {"Total", total}}
	if due != "" {
		facts = append(facts, [2]string{"Vencimiento", fmt.Sprintf("%s (crédito a %d días)", due, h.TermsDays)})
	}
	if h.UUID != "" {
		facts = append(facts, [2]string{"Folio fiscal (UUID)", h.UUID})
	}
	intro := fmt.Sprintf("Le enviamos su %s %s.", strings.ToLower(kind), folio)
	attach := "Adjuntamos el comprobante fiscal (CFDI 4.0, XML) y su representación impresa (PDF)."

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
		fmt.Fprintf(&b, "<tr><th align=\"left\">%s</th><td>%s</td></tr>\n", e(f[0]), e(f[1]))
	}
	fmt.Fprintf(&b, "</table>\n<p>%s</p>\n<p>%s</p>\n</body></html>\n", e(attach), e(h.IssuerName))
	return message{subject: subject, text: t.String(), html: b.String()}
}

func derefNumber(n *int64) int64 {
	if n == nil {
		return 0
	}
	return *n
}
