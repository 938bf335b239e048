// Package dataset is billrun's import format: the JSON shape of master data and billable
// sources, and its validation, which names the record and field of every problem. The
// store writes a valid dataset in one transaction, all of it or nothing.
package importfmt

import (
	"github.com/shopspring/decimal"
)

// Dataset is the import file's shape (documented in the README, example in examples/).
type Dataset struct {
	Currencies   []Currency    `json:"currencies"`
	Issuers      []Issuer      `json:"issuers"`
	PaymentTerms []PaymentTerm `json:"payment_terms"`
	// CashBoxes are the cash boxes and bank accounts cash terms collect into (seed 004).
	CashBoxes     []CashBox      `json:"cash_boxes"`
	Customers     []Customer     `json:"customers"`
	Items         []Item         `json:"items"`
	Warehouses    []Warehouse    `json:"warehouses"`
	Stock         []Stock        `json:"stock"`
	Series        []Series       `json:"series"`
	Orders        []Order        `json:"orders"`
	Contracts     []Contract     `json:"contracts"`
	BillingPlans  []BillingPlan  `json:"billing_plans"`
	DocumentKinds []DocumentKind `json:"document_kinds"`
	ExchangeRates []ExchangeRate `json:"exchange_rates"`
	Templates     []Template     `json:"templates"`
	// OrderClasses map an order class to its default numbering series (seed 001).
	OrderClasses []OrderClass `json:"order_classes"`
	CAEs         []CAE        `json:"caes"`
	// UIValues and TicketThresholds are Uruguay's e-Ticket threshold: the UI's value per
	// day, and the threshold in UI from its effective date on.
	UIValues         []UIValue         `json:"uy_ui_values"`
	TicketThresholds []TicketThreshold `json:"uy_eticket_thresholds"`
	// LedgerAccounts name the account of each journal role (receivable, revenue,
	// vat_payable, excise_payable, vat_withheld, isr_withheld, cash, inventory,
	// cost_of_sales); roles left out keep theirs.
	LedgerAccounts map[string]string `json:"ledger_accounts"`

	// BaseDir resolves relative certificate and key paths (the file's folder).
	BaseDir string `json:"-"`
}

// DocumentKind chooses the document kind and series by the customer's tax id kind.
type DocumentKind struct {
	// SourceSeries is the series of the source documents the rule applies to; empty: any
	// series without a rule of its own.
	SourceSeries string `json:"source_series"`
	TaxIDKind    string `json:"tax_id_kind"`
	DocumentKind string `json:"document_kind"` // invoice, ticket
	Series       string `json:"series"`
}

// Template is a billing template (seed 001): what batches made from it may bill, and how.
type Template struct {
	Name        string   `json:"name"`
	Sources     []string `json:"sources"`     // orders, installments, plans
	OrdersFrom  int64    `json:"orders_from"` // with orders_to: the order range (omit: any)
	OrdersTo    int64    `json:"orders_to"`
	Grouping    string   `json:"grouping"` // the least restrictive grouping allowed (default by-entity)
	Series      string   `json:"series"`   // default series
	FixedSeries bool     `json:"fixed_series"`
}

// UIValue is the value of one Unidad Indexada in pesos on a date (INE's, 4 decimals).
type UIValue struct {
	Date  string          `json:"date"`
	Value decimal.Decimal `json:"value"`
}

// TicketThreshold is the e-Ticket threshold in UI in force from a date on.
type TicketThreshold struct {
	From string          `json:"from"`
	UI   decimal.Decimal `json:"ui"`
}

// ExchangeRate is a currency's rate on a date: units of the local currency per unit.
type ExchangeRate struct {
	Currency string          `json:"currency"`
	Date     string          `json:"date"`
	Rate     decimal.Decimal `json:"rate"`
}

type Currency struct {
	Code     string `json:"code"`
	Decimals int    `json:"decimals"`
}

type Issuer struct {
	Code         string `json:"code"`
	RFC          string `json:"rfc"`
	Name         string `json:"name"`
	FiscalRegime string `json:"fiscal_regime"`
	PostalCode   string `json:"postal_code"`
	Currency     string `json:"currency"`
	Email        string `json:"email"`
	// The CSD that seals the issuer's CFDIs: DER certificate, encrypted PKCS#8 DER key, and
	// the environment variable holding the key's password (default BILLRUN_CSD_PASSWORD).
	CSDCertificate string `json:"csd_certificate"`
	CSDKey         string `json:"csd_key"`
	CSDPasswordEnv string `json:"csd_password_env"`
	// Country picks the fiscal documents: MX (default) CFDI 4.0, UY CFE. A Uruguayan issuer
	// gives its RUT instead of rfc, fiscal_regime and postal_code, and DGI's data of its
	// establishment: branch (CdgDGISucur), address, city, department.
	Country    string `json:"country"`
	RUT        string `json:"rut"`
	Branch     string `json:"branch"`
	Address    string `json:"address"`
	City       string `json:"city"`
	Department string `json:"department"`
	// VATOnExcise charges VAT on the amount plus IEPS (LIVA art. 12 and 18); default true.
	// false follows seed 004: every tax on the line's amount alone.
	VATOnExcise *bool `json:"vat_on_excise"`
	// PaymentReceipts is how a Mexican issuer issues its CFDI de Recepción de Pagos:
	// per_payment (default), or monthly — one per receiver for the month's payments,
	// by the 5th of the next month (billrun payment receipts, or its schedule).
	PaymentReceipts string `json:"payment_receipts"`
}

type PaymentTerm struct {
	Code       string `json:"code"`
	Kind       string `json:"kind"` // cash, credit, none
	Days       int    `json:"days"`
	FormaPago  string `json:"forma_pago"`
	MetodoPago string `json:"metodo_pago"`
	// CashBox is the cash box a sale on these (cash, PUE) terms is collected into on the
	// spot as it completes; none leaves its receivable pending collection.
	CashBox string `json:"cash_box"`
}

// CashBox is a cash box or bank account (seed 004): its currency, and the ledger account
// its cash is booked to.
type CashBox struct {
	Code     string `json:"code"`
	Name     string `json:"name"`
	Currency string `json:"currency"`
	Account  string `json:"account"`
}

type Customer struct {
	Code            string          `json:"code"`
	Name            string          `json:"name"`
	TaxID           string          `json:"tax_id"`
	TaxIDKind       string          `json:"tax_id_kind"` // tax_registration, national_id, foreign, generic
	FiscalRegime    string          `json:"fiscal_regime"`
	PostalCode      string          `json:"postal_code"`
	CFDIUse         string          `json:"cfdi_use"`
	Email           string          `json:"email"`
	DefaultDiscount decimal.Decimal `json:"default_discount"`
	PaymentTerms    string          `json:"payment_terms"`
	InvoicingMethod string          `json:"invoicing_method"` // combined (default), per-order
	GroupedBilling  bool            `json:"grouped_billing"`
	Generic         bool            `json:"generic"`
	// Country is the customer's country (ISO 3166, e.g. UY); empty: Mexico. A Uruguayan
	// customer's tax_registration is a RUT, its national_id a cédula.
	Country string `json:"country"`
	Address string `json:"address"`
	City    string `json:"city"`
	// Zone is the customer's sales zone, a batch filter (seed 002).
	Zone string `json:"zone"`
	// AssociatedTo is the customer this one is associated with (seed 003: a group's
	// member); a batch asked to include associated entities bills it with that one.
	AssociatedTo string `json:"associated_to"`
	// ReceivableAccount books what the customer owes (default: the receivable role's).
	ReceivableAccount string `json:"receivable_account"`
	// FiscalResidence is a foreign customer's country of fiscal residence (SAT's c_Pais,
	// ISO 3166-1 alpha-3: USA); its tax_id is then its tax id there (NumRegIdTrib).
	FiscalResidence string `json:"fiscal_residence"`
	// Export makes a foreign customer's invoices definitive exports (Exportacion 02).
	Export bool `json:"export"`
	// ElectronicReceiver (Uruguay): DGI registers the customer (a RUT) as an electronic
	// receiver: its CFE go to its e-mail in DGI's exchange envelope.
	ElectronicReceiver bool `json:"electronic_receiver"`
}

type Item struct {
	Code               string           `json:"code"`
	Description        string           `json:"description"`
	UnitPrice          decimal.Decimal  `json:"unit_price"`
	VATRate            *decimal.Decimal `json:"vat_rate"` // null: the item's tax setup is missing
	ExciseRate         decimal.Decimal  `json:"excise_rate"`
	ExciseQuota        decimal.Decimal  `json:"excise_quota"` // IEPS by quota: an amount per unit, instead of excise_rate
	VATExempt          bool             `json:"vat_exempt"`   // VAT-exempt (Exento), not VAT at 0 %: no vat_rate
	VATWithholdingRate decimal.Decimal  `json:"vat_withholding_rate"`
	ISRWithholdingRate decimal.Decimal  `json:"isr_withholding_rate"`
	ProductCode        string           `json:"product_code"`
	UnitCode           string           `json:"unit_code"`
	UnitName           string           `json:"unit_name"`
	Stocked            *bool            `json:"stocked"` // default true
	// RevenueAccount books the item's sales (default: the revenue role's account); Cost,
	// a standard unit cost, books cost of sales out of inventory.
	RevenueAccount string           `json:"revenue_account"`
	Cost           *decimal.Decimal `json:"cost"`
}

type Warehouse struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// Stock is an opening balance — taken only by stock nothing has moved yet — or, with
// Count, a physical count: stock that has moved is set to it by a recorded adjustment.
// An import never rewinds stock silently.
type Stock struct {
	Warehouse string          `json:"warehouse"`
	Item      string          `json:"item"`
	OnHand    decimal.Decimal `json:"on_hand"`
	Committed decimal.Decimal `json:"committed"`
	Count     bool            `json:"count"`
}

type Series struct {
	Code               string `json:"code"`
	Issuer             string `json:"issuer"`
	DocumentKind       string `json:"document_kind"` // invoice, ticket, credit_note, payment_receipt, global_invoice
	NextNumber         int64  `json:"next_number"`
	MaxLines           int    `json:"max_lines"`
	ClosingDate        string `json:"closing_date"`
	AllowNegativeStock bool   `json:"allow_negative_stock"`
	DischargeStock     *bool  `json:"discharge_stock"` // default true
	// CreditNoteSeries is the series (of kind credit_note) whose credit notes correct this
	// series' documents.
	CreditNoteSeries string `json:"credit_note_series"`
	// PaymentReceiptSeries is the series (of kind payment_receipt) whose CFDI de Recepción
	// de Pagos answer payments of this series' invoices paid in installments (PPD).
	PaymentReceiptSeries string `json:"payment_receipt_series"`
	// GlobalInvoiceSeries, on a Mexican ticket series, is the series (of kind
	// global_invoice) of the global invoices its tickets go in: they then have no CFDI of
	// their own (SAT's factura global to the general public).
	GlobalInvoiceSeries string `json:"global_invoice_series"`
	// CFEType is the CFE a Uruguayan issuer's series numbers (101 e-Ticket, 102 its credit
	// note, 111 e-Factura, 112 its credit note); such a series takes its numbers from CAEs.
	CFEType int `json:"cfe_type"`
}

// CAE is DGI's authorization of a range of numbers for a series (its CFE type), with the
// series letter it authorizes, until a date (the last day it may be used).
type CAE struct {
	Series    string `json:"series"`
	CAE       string `json:"cae"`
	CFESeries string `json:"cfe_series"`
	From      int64  `json:"from"`
	To        int64  `json:"to"`
	Expires   string `json:"expires"`
}

type Order struct {
	Number       int64  `json:"number"`
	Customer     string `json:"customer"`
	Series       string `json:"series"`
	Warehouse    string `json:"warehouse"`
	Currency     string `json:"currency"`
	PaymentTerms string `json:"payment_terms"` // default: the customer's
	Date         string `json:"date"`
	Status       string `json:"status"` // default approved
	// Observations are printed on the invoices that bill the order (seed 002).
	Observations string `json:"observations"`
	// Seller, DeliveryDate (on or after date) and POReference (the customer's purchase
	// order) filter batches (seed 002) and are printed on the invoice (seed 004).
	Seller       string `json:"seller"`
	DeliveryDate string `json:"delivery_date"`
	POReference  string `json:"po_reference"`
	// Class is the order's class (seed 001): its invoices are numbered in the class's
	// series when the batch names no numbering series.
	Class string      `json:"class"`
	Lines []OrderLine `json:"lines"`
}

// OrderClass is an order class and the series its orders are numbered in by default.
type OrderClass struct {
	Code   string `json:"code"`
	Series string `json:"series"`
}

// IsReturn tells a return order (seed 001): its quantities are negative — goods the
// customer gives back, credited when a batch bills it.
func (o Order) IsReturn() bool { return len(o.Lines) > 0 && o.Lines[0].Ordered.IsNegative() }

// Unsigned is a return order's line with its quantities as billrun stores them: positive,
// the order saying that they come back.
func (l OrderLine) Unsigned() OrderLine {
	l.Ordered, l.Invoiced, l.Delivered = l.Ordered.Abs(), l.Invoiced.Abs(), l.Delivered.Abs()
	if l.ToInvoice != nil {
		q := l.ToInvoice.Abs()
		l.ToInvoice = &q
	}
	return l
}

type OrderLine struct {
	Item           string           `json:"item"`
	Ordered        decimal.Decimal  `json:"ordered"`    // negative: a return order (every line)
	ToInvoice      *decimal.Decimal `json:"to_invoice"` // default: all of ordered
	Invoiced       decimal.Decimal  `json:"invoiced"`
	Delivered      decimal.Decimal  `json:"delivered"`
	Price          *decimal.Decimal `json:"price"` // default: the item's unit price
	Discount       *decimal.Decimal `json:"discount"`
	StockCommitted bool             `json:"stock_committed"`
}

type Contract struct {
	Number       string         `json:"number"`
	Partner      string         `json:"partner"`
	Payer        string         `json:"payer"` // default: the partner
	Series       string         `json:"series"`
	Currency     string         `json:"currency"`
	PaymentTerms string         `json:"payment_terms"`
	Warehouse    string         `json:"warehouse"`
	Lines        []ContractLine `json:"lines"`
}

type ContractLine struct {
	Item         string          `json:"item"`
	Description  string          `json:"description"`
	Quantity     decimal.Decimal `json:"quantity"`
	Price        decimal.Decimal `json:"price"`
	Discount     decimal.Decimal `json:"discount"`
	Installments []Installment   `json:"installments"`
}

type Installment struct {
	Due           string `json:"due"`
	State         string `json:"state"` // draft, complete
	Recurring     *bool  `json:"recurring"`
	ExpenseReport string `json:"expense_report"`
	Activity      string `json:"activity"`
}

type BillingPlan struct {
	Code     string `json:"code"`
	Customer string `json:"customer"`
	Contract string `json:"contract"`
	// SourceOrder is the order the plan bills from (seed 003): its payment terms and
	// currency are used, unless the contract's prevail.
	SourceOrder  int64           `json:"source_order"`
	Series       string          `json:"series"`
	Currency     string          `json:"currency"`
	PaymentTerms string          `json:"payment_terms"`
	Warehouse    string          `json:"warehouse"`
	Every        int             `json:"every"`
	Unit         string          `json:"unit"` // day, week, month
	Start        string          `json:"start"`
	End          string          `json:"end"`
	Dates        []string        `json:"dates"` // instead of a periodic rule
	Items        []PlanItem      `json:"items"`
	Entities     []BillingEntity `json:"entities"` // default: the customer at 100
	State        string          `json:"state"`    // active (default) or inactive: only an active plan's events bill
}

type PlanItem struct {
	Item        string          `json:"item"`
	Description string          `json:"description"`
	Quantity    decimal.Decimal `json:"quantity"`
	Price       decimal.Decimal `json:"price"`
	Discount    decimal.Decimal `json:"discount"`
}

type BillingEntity struct {
	Customer string          `json:"customer"`
	Quota    decimal.Decimal `json:"quota"`
}
