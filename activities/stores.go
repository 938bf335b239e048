package activities

import (
	"context"
	"time"

	"github.com/shopspring/decimal"

	"billrun/internal/batching"
	"billrun/internal/fiscal"
	"billrun/internal/model"
	"billrun/internal/rules"
	"billrun/internal/store"
)

// Each stage sees the store through the narrow interfaces below: what it reads and
// writes, and nothing else, so a stage is tested with a fake and a reader sees at a glance
// what a stage may touch. *store.Store and *store.Tx satisfy them (checked at the end).

// Transactions runs fn in one database transaction, through the stage's view T of it.
type Transactions[T any] interface {
	InTx(ctx context.Context, fn func(T) error) error
}

// PlanningStore is what planning and a batch's bookkeeping use.
type PlanningStore interface {
	Transactions[PlanningTx]
	CreateBatch(ctx context.Context, id string, p model.BatchParams) (string, error)
	FailBatch(ctx context.Context, batchID, reason string) error
	ListOpenInvoices(ctx context.Context, batchID string, afterGroup, limit int) ([]model.InvoiceRef, error)
	LoadBatch(ctx context.Context, id string) (model.Batch, error)
	MarkScheduled(ctx context.Context, id string, sb model.ScheduledBatch) error
	PrepareRetries(ctx context.Context, batchID string, invoiceIDs []int64, date string) (int, error)
	PrepareRetry(ctx context.Context, batchID string, invoiceIDs []int64) ([]model.InvoiceRef, error)
	ReadSummary(ctx context.Context, batchID string) (model.Summary, error)
	SelectedKeys(ctx context.Context, batchID string) ([]store.LineKey, error)
	SetBatchStatus(ctx context.Context, batchID, status string) error
	Template(ctx context.Context, name string) (rules.Template, error)
	SeriesCountries(ctx context.Context, series string) ([]string, error)
	BatchCountries(ctx context.Context, batchID string) ([]string, error)
}

// PlanningTx is planning's transaction: a chunk selected, grouped and written at once.
type PlanningTx interface {
	Auditor
	DocumentRoutes() (rules.Routes, error)
	SeriesRoute(code string) (r rules.Route, cfe, found bool, err error)
	LockBatch(id string) (model.Batch, error)
	NextGroupNo(batchID string) (int, error)
	PlanCounts(batchID string) (model.PlanResult, error)
	PlanOptions(b model.Batch) (rules.PlanOptions, error)
	ReturnRoutes() (map[string]rules.ReturnRoute, error)
	RecordSelected(batchID string, billed []rules.SourceLine, groupKeys []string, skipped []rules.SkippedLine) error
	SelectChunk(b model.Batch, after int64, limit int) (sel store.Selection, next int64, last bool, err error)
	SelectedLines(batchID string, ids []int64) ([]rules.SourceLine, error)
	SetPlanState(batchID, status string, cursor int64) error
	WriteInvoices(b model.Batch, invoices []rules.PlannedInvoice) error
}

// Auditor appends to the audit trail.
type Auditor interface {
	Audit(batchID string, invoiceID int64, step string, attempt int, outcome, detail string) error
}

// InvoicingStore is what the invoice's own steps use: each runs in one transaction.
type InvoicingStore = Transactions[InvoicingTx]

// InvoicingTx is one invoice's steps: pricing, stock, receivable, numbering, undo.
type InvoicingTx interface {
	Auditor
	LockInvoice(id int64) (store.InvoiceHead, error)
	LockForPricing(id int64) (store.InvoiceHead, store.PricingFacts, error)
	SavePricing(id int64, lines []store.PricedLine, s rules.Totals, a store.AuditRow) error
	LockForDischarge(id int64, attempt int) (store.InvoiceHead, store.DischargeFacts, error)
	CreateStock(warehouse, item string) error
	MoveStock(ms []store.Movement, a store.AuditRow) error
	Move(m store.Movement) (moved bool, err error)
	LockForReceivable(id int64) (store.InvoiceHead, store.Terms, error)
	PostReceivableAudited(h store.InvoiceHead, kind string, due time.Time, a store.AuditRow) error
	PostReceivable(h store.InvoiceHead, kind string, due time.Time) (posted bool, err error)
	OpenCredits(customer, currency string) ([]store.OpenCredit, error)
	Settle(creditNoteID, invoiceID int64, amount decimal.Decimal) error
	LockNetting(batchID, customer string) error
	OpenReturnCredit(creditNoteID int64, total decimal.Decimal) (opened bool, err error)
	BatchBalances(batchID, customer, currency string) ([]store.Balance, error)
	BatchOpenCredits(batchID, customer, currency string) ([]store.OpenCredit, error)
	WithdrawCredit(creditNoteID int64) error
	ReturnedIn(invoiceID int64, attempt int) ([]store.Movement, error)
	Numberer
	LockForCompletion(id int64) (store.InvoiceHead, store.CompletionFacts, error)
	SettleAndLockSeries(invoiceID int64, kinds []string, jh store.JournalHead, ps []rules.Posting, series string) (store.SeriesLock, error)
	Number(h store.InvoiceHead, number int64) error
	NumberAudited(h store.InvoiceHead, number int64, a store.AuditRow) error
	Discharged(invoiceID int64, attempt int) ([]store.Movement, error)
	ReverseReceivable(invoiceID int64) error
	MarkFailed(invoiceID int64, step, reason string) error
	MarkUnsealed(invoiceID int64, reason string) error
	CashCollector
}

// PublicationStore is what sealing, stamping, printing and e-mail use.
type PublicationStore interface {
	Transactions[PublicationTx]
	RecordFiscalError(ctx context.Context, id int64, step, reason string) error
	SaveAuthorityAck(ctx context.Context, id int64, ack string) error
	FiscalError(ctx context.Context, id int64) (string, error)
	ToStamp(ctx context.Context, batchID string, limit int) ([]int64, error)
	Stampables(ctx context.Context, ids []int64) ([]store.Stampable, error)
	SaveStamps(ctx context.Context, step string, stamps []store.Stamp) (int, error)
	Billing(ctx context.Context, batchID string) (bool, error)
	StampRemaining(ctx context.Context, batchID string) (remaining, ready, stamped int, err error)
	TellPublication(ctx context.Context, batchID string) (bool, error)
	ToPrint(ctx context.Context, batchID string, limit int) ([]int64, error)
	Printables(ctx context.Context, ids []int64) ([]store.Printable, error)
	SavePDFs(ctx context.Context, step string, pdfs []store.PDF) (int, error)
	PrintRemaining(ctx context.Context, batchID string) (remaining, printed int, err error)
	ToDeliver(ctx context.Context, batchID string, limit int) ([]int64, error)
	DeliverRemaining(ctx context.Context, batchID string) (remaining, mailed int, err error)
	OpenDelivery(ctx context.Context, invoiceID int64, seq int, messageID string) (h store.DeliveryHead, status, to string, err error)
	MarkUncertain(ctx context.Context, invoiceID int64, seq int, detail, audit string) (bool, error)
	MarkSending(ctx context.Context, invoiceID int64, seq int) (bool, error)
	BackToPending(ctx context.Context, invoiceID int64, seq int) error
	FinishDelivery(ctx context.Context, invoiceID int64, seq int, status, detail string) error
}

// PublicationTx is one document's fiscal record and its delivery.
type PublicationTx interface {
	Auditor
	LockFiscal(id int64) (store.FiscalHead, fiscal.Invoice, error)
	SaveSealedAudited(id int64, d fiscal.Document, a store.AuditRow) error
	MarkGlobal(id int64) error
	SealedDocument(id int64) (fiscal.Document, error)
	SaveStamped(id int64, d fiscal.Document) (bool, error)
	SavePDF(id int64, pdf []byte) error
	SkipDelivery(invoiceID int64, seq int, messageID, detail string) (skipped bool, err error)
	EnvelopeCandidates(ids []int64) ([]store.Unenveloped, error)
	NextEnvelopeID() (int64, error)
	RecordEnvelope(id int64, issuer string, cfeType int, xml string, invoiceIDs []int64) error
	LockEnvelope(id int64) (store.CFEEnvelope, error)
	AnswerEnvelope(id int64, state, ack string) (bool, error)
	SaveEnvelopeAnswer(id int64, answer string) (bool, error)
	LeaveEnvelope(invoiceID int64, step, reason, ack string) (bool, error)
	ReleaseEnvelope(id int64, ack string) error
	CFEDayReport(id int64) (store.CFEDayReport, bool, error)
	TicketFacts(invoiceID int64) (rules.Ticket, *rules.UIValue, *rules.TicketThreshold, error)
}

// CreditingStore is what issuing a credit note uses.
type CreditingStore = Transactions[CreditingTx]

// CreditingTx records a credit note: its lines, stock back, the receivable, its number.
type CreditingTx interface {
	Auditor
	LockInvoice(id int64) (store.InvoiceHead, error)
	LockCredited(id int64) (store.CreditedInvoice, error)
	CancellationStatus(id int64) (string, error)
	CreditNoteOf(invoiceID int64, seq int) (id int64, found bool, err error)
	InsertCreditNote(h store.CreditedInvoice, n store.NewCreditNote) (int64, []int64, error)
	SaleWarehouse(invoiceLineID int64) (warehouse string, found bool, err error)
	LockStock(warehouse, item string) (onHand, committed decimal.Decimal, found bool, err error)
	Move(m store.Movement) (moved bool, err error)
	LockLiveReceivable(invoiceID int64) (id *int64, balance decimal.Decimal, err error)
	RecordCreditApplication(creditNoteID int64, receivableID *int64, applied, refund decimal.Decimal) error
	CashRefunder
	Journaler
	Numberer
	Number(h store.InvoiceHead, number int64) error
}

// ReceiptsStore is what issuing a payment's receipt uses.
type ReceiptsStore = Transactions[ReceiptsTx]

// ReceiptsTx records a payment's receipt and numbers it.
type ReceiptsTx interface {
	Auditor
	LockPaymentForReceipt(paymentID int64) ([]store.ReceivedPayment, error)
	LockInvoice(id int64) (store.InvoiceHead, error)
	DocumentNumber(id int64) (series string, number int64, status string, err error)
	InsertPaymentReceipt(ps []store.ReceivedPayment, date time.Time) (int64, error)
	LockGlobalSeries(code string) (store.GlobalSeries, bool, error)
	LiveGlobalInvoices(series string, from, to time.Time) ([]store.GlobalMade, error)
	LockGlobalTickets(series string, from, to time.Time) ([]store.GlobalTicket, error)
	globalRecorder
	IssuerReceipts(issuer string) (mode, country string, found bool, err error)
	MonthlyReceivers(issuer string, from, to time.Time, after string, limit int) ([]string, error)
	MonthlyPayments(issuer, customer string, from, to time.Time) ([]int64, error)
	LatestMonthlyReceipt(issuer, customer string, month time.Time) (id int64, found bool, err error)
	RecordMonthlyReceipt(receiptID int64, issuer, customer string, month time.Time) error
	LockPaidInvoices(paymentIDs []int64) error
	UnpublishedMonthlyReceipts(issuer, customer string, month time.Time) ([]int64, error)
	PendingReceiptMonths(issuer string, through time.Time) ([]time.Time, error)
	Numberer
	Number(h store.InvoiceHead, number int64) error
}

// globalRecorder records and numbers a global invoice.
type globalRecorder interface {
	Auditor
	GenericCustomer() (code string, found bool, err error)
	InsertGlobalInvoice(h store.GlobalInvoiceHead, tickets []int64) (int64, error)
	Numberer
	Number(h store.InvoiceHead, number int64) error
}

// CancellingStore is what cancelling an invoice uses.
type CancellingStore = Transactions[CancellingTx]

// CancellingTx records a cancellation and undoes the invoice's effects.
type CancellingTx interface {
	Auditor
	LockForCancel(id int64) (store.CancelHead, error)
	Replacement(uuid string) (id int64, customer string, found bool, err error)
	RequestCancellation(id int64, motive, replacement, key, request string) error
	SealedDocument(id int64) (fiscal.Document, error)
	SetCancellation(id int64, status, detail string) error
	RefuseCancellation(id int64, why string) error
	Discharged(invoiceID int64, attempt int) ([]store.Movement, error)
	Move(m store.Movement) (moved bool, err error)
	CancelReceivable(id int64) error
	ReleaseSources(id int64) error
	MarkCancelled(id int64) error
	ReversePayments(receiptID int64) (reversed, standing int, err error)
	MarkPaymentCancelled(receiptID, paymentID int64) error
	MarkReceiptPaymentsCancelled(receiptID int64) error
	ClearPaymentMarks(receiptID int64) error
	SetCancelling(id int64, on bool) error
	ForgetNominatives(globalID int64) error
	LaterLiveReceipts(receiptID int64, paymentIDs []int64) ([]string, error)
	RestatingMonth(receiptID int64) (issuer, customer string, month time.Time, found bool, err error)
	ReleaseGlobalTickets(globalID int64) (int, error)
	globalRecorder
	GlobalCreditNotes(globalID int64) ([]string, error)
	CarryingGlobal(ticketID int64) (string, error)
	SaleByNumber(globalID int64, number string) (id int64, carried, found bool, err error)
	Receiver(code string) (store.ReceiverOf, bool, error)
	RecordNominatives(globalID int64, ns []store.Nominative) error
	GlobalNominatives(globalID int64) ([]store.Nominative, error)
	CarriedTickets(globalID int64) ([]store.GlobalTicket, error)
	GlobalHeadOf(globalID int64) (store.GlobalInvoiceHead, store.GlobalSeries, error)
	MakeNominative(ticketID int64, customer string) (bool, error)
	Reissued(globalID int64) (replacement int64, nominatives []int64, err error)
	ReverseEntries(invoiceID int64) error
	CreditSettlements(creditNoteID int64) ([]string, error)
	Returned(creditNoteID int64) ([]store.Movement, error)
	ReverseCreditApplication(creditNoteID int64) error
	CashGiver
}

// ReportingStore is what the daily report uses.
type ReportingStore interface {
	Transactions[ReportingTx]
}

// ReportingTx reads an issuer's day of CFE and records each sending of its report with
// DGI's answer.
type ReportingTx interface {
	ReportIssuer(code string) (store.ReportIssuer, error)
	DayCFE(issuer string, day time.Time) ([]store.DayCFE, error)
	UILimit(day time.Time) (*rules.UIValue, *rules.TicketThreshold, error)
	DailyReports(issuer string, day time.Time) ([]store.DailyReport, error)
	RecordDailyReport(r store.DailyReport) (bool, error)
	AnswerDailyReport(issuer string, day time.Time, sequence int, state, ack, reason string) (bool, error)
	ReportDays(issuer string, from, to time.Time) ([]rules.ReportDay, error)
}

// over gives a stage the real store: its own methods, and its transactions seen as T.
type over[T any] struct{ *store.Store }

func (o over[T]) InTx(ctx context.Context, fn func(T) error) error {
	return o.Store.InTx(ctx, func(tx *store.Tx) error { return fn(any(tx).(T)) })
}

// CreateBatch checks and records a batch (batching decides, the store writes).
func (o over[T]) CreateBatch(ctx context.Context, id string, p model.BatchParams) (string, error) {
	return batching.Create(ctx, o.Store, id, p)
}

var (
	_ PlanningStore    = over[PlanningTx]{}
	_ InvoicingStore   = over[InvoicingTx]{}
	_ PublicationStore = over[PublicationTx]{}
	_ CreditingStore   = over[CreditingTx]{}
	_ CancellingStore  = over[CancellingTx]{}
	_ ReceiptsStore    = over[ReceiptsTx]{}
	_ ReportingStore   = over[ReportingTx]{}
	_ ReportingTx      = (*store.Tx)(nil)
	_ PlanningTx       = (*store.Tx)(nil)
	_ InvoicingTx      = (*store.Tx)(nil)
	_ PublicationTx    = (*store.Tx)(nil)
	_ CreditingTx      = (*store.Tx)(nil)
	_ CancellingTx     = (*store.Tx)(nil)
	_ ReceiptsTx       = (*store.Tx)(nil)
)
