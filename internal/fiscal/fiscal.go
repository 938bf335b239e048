// Package fiscal is the one interface through which activities make fiscal documents: a
// Profile per country (Mexico's CFDI 4.0 in package cfdi, Uruguay's CFE in package cfe) seals an invoice, has the
// authority's certifier stamp it, and prints it.
// Batches, pricing, stock, receivables and numbering never depend on the country; sealing
// and printing dispatch here, on the issuer's profile.
package fiscal

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// Profile makes one country's fiscal documents.
type Profile interface {
	// Seal builds the invoice's fiscal document and signs it with the issuer's credentials.
	// Every error is a business error: the document cannot be made from this data.
	Seal(ctx context.Context, inv Invoice, cred Credentials) (Document, error)
	// Stamp has the sealed document certified (Mexico: a PAC's TimbreFiscalDigital;
	// Uruguay: sent to DGI, which acknowledges it) and answers it stamped. Stamping the same document again answers the same stamp. An error
	// wrapping ErrFiscal is a refusal (a business error); a *Pending is an authority that
	// has the document but has not answered yet; any other is transient. cred signs the
	// requests where the authority wants them signed (Uruguay: WS-Security).
	Stamp(ctx context.Context, doc Document, cred Credentials) (Document, error)
	// Print renders the document's printed representation (PDF).
	Print(doc Document, inv Invoice) ([]byte, error)
	// Cancel asks the authority to cancel a stamped document for a motive (Mexico: SAT's
	// 01-04, and for 01 the folio fiscal of the document replacing it). Asking again answers
	// where the cancellation stands. Errors are as Stamp's.
	Cancel(ctx context.Context, doc Document, issuerTaxID, motive, replacement string) (Cancellation, error)
	// Cancellable is nil when the authority cancels this country's documents; otherwise it
	// says why not and what to do instead (Uruguay: a CFE is corrected by a credit note).
	Cancellable() error
	// CancelStatus answers where a cancellation awaiting the receiver's acceptance stands.
	CancelStatus(ctx context.Context, doc Document, issuerTaxID string) (Cancellation, error)
	// Describe names the sealed document as its country's readers know it (the e-mail,
	// lists): its name, fiscal number, what identifies it at the authority.
	Describe(doc Document, documentKind string) Description
}

// Description is how a country names one of its fiscal documents to a person.
type Description struct {
	Name   string // "Factura", "e-Factura", "Nota de crédito de e-Ticket"
	Number string // its fiscal series and number: "A-1" (CFDI Serie-Folio), "A 0000001" (CFE)
	// Facts identify it at the authority: the folio fiscal; the CAE, security code and
	// DGI's verification link.
	Facts [][2]string
	// Attachments says, in the country's words, what an e-mail carries.
	Attachments string
	// Money writes an amount ("23176.00") in the country's notation: 23,176.00 in Mexico,
	// 23.176,00 in Uruguay.
	Money func(amount string) string
}

// Cancellation statuses.
const (
	Cancelled      = "cancelled" // the authority cancelled the document
	CancelPending  = "pending"   // waiting for the receiver's acceptance
	CancelRejected = "rejected"  // the receiver rejected it: the document stands
)

// Cancellation is where a document's cancellation stands: Status in billrun's terms
// (Cancelled, CancelPending, CancelRejected), AuthorityStatus in the authority's words.
type Cancellation struct {
	Status          string
	AuthorityStatus string
}

// Profiles are the profiles by country code.
type Profiles map[string]Profile

// For is the profile of a country.
func (p Profiles) For(country string) (Profile, error) {
	if pr, ok := p[country]; ok {
		return pr, nil
	}
	return nil, fmt.Errorf("%w: no fiscal profile for country %q", ErrFiscal, country)
}

// ErrFiscal marks a document that cannot be made from the data: a business error.
var ErrFiscal = errors.New("fiscal")

// Refusal is a document the certifier refuses, or whose certification does not verify: a
// business error (it wraps ErrFiscal) whose message is the reason as is. AuthorityAck is the
// authority's answer that refused it, as received, when there is one (kept with the document).
type Refusal struct {
	Reason       string
	AuthorityAck string
}

// Pending is a document the authority has received but not answered yet (Uruguay: DGI
// received the envelope and gave a token to ask with). It is transient: the caller keeps
// AuthorityAck with the document (Stamp reads it from Document.AuthorityAck next time, to
// ask instead of sending again) and tries again later.
type Pending struct {
	Reason       string
	AuthorityAck string
	Err          error
	RetryAt      time.Time // when the authority said to ask again (zero: with backoff)
}

func (p *Pending) Error() string { return p.Reason }
func (p *Pending) Unwrap() error { return p.Err }

func (r *Refusal) Error() string { return r.Reason }
func (r *Refusal) Unwrap() error { return ErrFiscal }

// Credentials are the issuer's signing certificate and key. The password is read by the
// caller from the environment and never stored or logged.
type Credentials struct {
	CertPath, KeyPath string
	Password          []byte
}

// Document is a sealed fiscal document as stored, and its stamp once stamped.
type Document struct {
	XML         string
	Certificate string // the certificate's number (CFDI NoCertificado)
	Signature   string // the signature (CFDI Sello)

	UUID             string // the folio fiscal the stamp gives
	StampedAt        string // when it was stamped, as the stamp says (FechaTimbrado)
	StampCertificate string // the certifier's certificate number (NoCertificadoSAT)
	// AuthorityAck is the authority's answer as received (UY: DGI's ACKCFE once answered;
	// its ACKSobre while the CFE's answer is awaited).
	AuthorityAck string
}

// Invoice is a completed invoice as a fiscal document needs it, in no country's terms.
type Invoice struct {
	ID           int64
	Series       string
	Number       int64
	DocumentKind string   // invoice, ticket, credit_note
	Corrects     *Related // a credit note: the invoice it corrects
	// Authorization is the authority's grant the number falls in (UY: the CAE); nil where
	// numbers need none (MX).
	Authorization *Authorization
	Date          time.Time // the invoice date
	IssuedAt      time.Time // when its fiscal document is issued (sealed)
	Currency      string
	Rate          decimal.Decimal
	Decimals      int32
	Terms         Terms
	Issuer        Issuer
	Customer      Customer
	Amount        decimal.Decimal // before discounts
	Discount      decimal.Decimal
	Subtotal      decimal.Decimal
	VAT           decimal.Decimal
	Excise        decimal.Decimal
	VATWithheld   decimal.Decimal
	ISRWithheld   decimal.Decimal
	Total         decimal.Decimal
	Lines         []Line
	// Payments are the payments a payment receipt (document kind payment_receipt) states:
	// one, or a receiver's month of them.
	Payments []Payment
	// Observations are the billed orders' observations, printed (seed 002).
	Observations string
	// OrderReferences are the billed orders' references, printed (seed 004): each order's
	// number, the customer's purchase order, its delivery date and seller.
	OrderReferences []string
	// Global is what a global invoice (document kind global_invoice) carries: its period
	// and the tickets sold to the general public in it.
	Global *Global
}

// Global is a global invoice's period, as SAT's InformacionGlobal names it, and its
// tickets, each one concept of the invoice.
type Global struct {
	Periodicidad, Meses string
	Año                 int
	Tickets             []Ticket
	// FormaPago is the form of payment of the largest amount its tickets were paid with
	// (decided when it was recorded); "" for one recorded before, which states the generic
	// customer's terms.
	FormaPago string
	// Replaces is the folio fiscal of the global invoice it replaces (cancelled with
	// motive 04: a sale of it invoiced nominatively); "" none.
	Replaces string
}

// Ticket is one ticket a global invoice carries: its number, its amounts, and its taxes
// summed per tax and rate over its lines.
type Ticket struct {
	Number           string // series-number
	Amount, Discount decimal.Decimal
	Subtotal         decimal.Decimal
	Taxes            []TicketTax
}

// TicketTax is a ticket's tax of one kind and rate: vat, vat_exempt (Rate 0, Amount 0),
// excise, excise_quota (Rate the amount per unit, Base the quantity), vat_withheld or
// isr_withheld; Rate otherwise a percentage (16 for 16 %).
type TicketTax struct {
	Kind         string
	Rate         decimal.Decimal
	Base, Amount decimal.Decimal
}

// Payment is a payment received, as its receipt states it (MX: the CFDI de Recepción de
// Pagos): when and how it was paid, and what it paid of each invoice.
type Payment struct {
	PaidOn   time.Time
	Form     string // SAT's c_FormaPago
	Currency string
	Rate     decimal.Decimal // MXN per unit of Currency (1 for MXN)
	Decimals int32
	Amount   decimal.Decimal
	Paid     []PaidInvoice
}

// PaidInvoice is one invoice a payment paid: its fiscal document as stamped, and this
// payment's place among the invoice's payments.
type PaidInvoice struct {
	XML         string          // the paid invoice's stamped document
	Rate        decimal.Decimal // MXN per unit of its currency on the payment's day (1 for MXN)
	Parcialidad int             // 1 for its first payment
	SaldoAnt    decimal.Decimal // owed before this payment, in its currency
	Paid        decimal.Decimal // paid by this payment, in its currency
}

// Related is the stamped invoice a credit note corrects, and how.
type Related struct {
	Kind string // return or rebate
	// Standalone: a batch's credit note of return orders (seed 001), which corrects no
	// invoice of its own — the goods were invoiced before, on an invoice the return order
	// does not name — and relates no CFDI; its credit is settled against the batch's invoices.
	Standalone bool
	UUID       string // its folio fiscal
	Series     string
	Number     int64
	Date       time.Time
	// UY: the corrected CFE's type and series letter (its number is Number).
	DocumentType    int
	AuthoritySeries string
	// Global (MX) is the period of the global invoice that declares the corrected sale,
	// which has no CFDI of its own: UUID, Series and Number are then the global invoice's.
	Global *Global
	Reason string // UY: the reason a contingency note states (RazonRef)
}

// Authorization is a grant of numbers by the tax authority (UY: DGI's CAE): a range of
// one document type and series letter, valid until a date.
type Authorization struct {
	DocumentType int    // UY: the CFE type (101, 102, 111, 112)
	ID           string // the CAE's number
	Series       string // the series letter it authorizes
	From, To     int64
	Expires      time.Time
}

// Terms are the invoice's payment terms.
type Terms struct {
	Kind       string // cash, credit, none
	Days       int
	FormaPago  string
	MetodoPago string
}

// Issuer is who issues the invoice; Branch, Address, City and Department are DGI's data
// of its establishment (UY).
type Issuer struct {
	Code, TaxID, Name, Regime, PostalCode, Email string
	Country, Branch, Address, City, Department   string
}

// Customer is who is billed.
type Customer struct {
	Code, Name, TaxID, TaxIDKind, Regime, PostalCode, Use, Email string
	Country, Address, City                                       string // Country: ISO 3166 code, "" for the issuer's
	Generic                                                      bool
	// A foreign customer's country of fiscal residence (MX: SAT's c_Pais, ISO 3166-1
	// alpha-3), and whether its invoices are exports (MX: Exportacion 02); TaxID is then
	// its tax id there (NumRegIdTrib).
	FiscalResidence string
	Export          bool
}

// Line is one priced line; rates are percentages (16 for 16 %).
type Line struct {
	Item, Description                string
	ProductCode, UnitCode, UnitName  string
	Quantity, UnitPrice              decimal.Decimal
	Amount, Discount, Subtotal       decimal.Decimal
	VATRate, VAT, ExciseRate, Excise decimal.Decimal
	VATBase                          decimal.Decimal // the subtotal, plus the excise when the issuer charges VAT on it
	VATExempt                        bool            // VAT-exempt (MX: TipoFactor Exento), not VAT at 0 %
	ExciseQuota                      decimal.Decimal // an excise by quota: the amount per unit (ExciseRate 0)
	VATWithholdingRate, VATWithheld  decimal.Decimal
	ISRWithholdingRate, ISRWithheld  decimal.Decimal
	Refs                             map[string]string // the line's references (seed 000), printed
}
