package activities

import (
	"time"

	"billrun/internal/fiscal"
	"billrun/internal/store"
)

// Planning plans batches and keeps their books: summaries, statuses, retries, scheduled
// runs, and following invoice workflows that an earlier run of a batch started.
type Planning struct {
	Store     PlanningStore
	Workflows Workflows

	// tests: a smaller planning chunk, and a failure after a number of committed chunks
	selectChunkSize int
	afterChunk      func(n int) error
}

// Invoicing is one invoice's own steps: pricing, stock discharge, receivable posting,
// numbering, and their undoing when one fails.
type Invoicing struct {
	Store InvoicingStore
	Meter Meter
}

// Publication is a document's life after numbering: sealing, stamping (PAC or DGI),
// printing and e-mail.
type Publication struct {
	Store PublicationStore
	// Fiscal are the fiscal profiles by country; nil means the formats with no PAC or DGI
	// to reach (stamping refused).
	Fiscal fiscal.Profiles
	Mail   MailConfig
	// Installation is the database's installation id: it prefixes Message-IDs.
	Installation string
	Meter        Meter
	// Concurrency is how many documents a stamping or e-mail pass sends at once
	// (0: DefaultPublishConcurrency).
	Concurrency int
	// Workflows wakes the batch's publication when a document is sealed; nil: publication
	// is woken by its batch only.
	Workflows Workflows

	clock     func() time.Time // tests: when documents are issued (nil: now)
	afterSend func() error     // tests: fail between the SMTP server's acceptance and its record
}

// Crediting issues credit notes (returns and rebates) against completed invoices.
type Crediting struct {
	Store CreditingStore
}

// Receipts issues the receipts of payments received (MX: the CFDI de Recepción de Pagos).
type Receipts struct {
	Store ReceiptsStore

	clock func() time.Time // tests: the day receipts are dated (nil: now)
}

// Cancelling asks the fiscal authority to cancel an invoice and undoes its effects.
type Cancelling struct {
	Store  CancellingStore
	Fiscal fiscal.Profiles
}

// Activities is every stage, as the worker registers them.
type Activities struct {
	Planning    *Planning
	Invoicing   *Invoicing
	Publication *Publication
	Crediting   *Crediting
	Receipts    *Receipts
	Cancelling  *Cancelling
	Reporting   *Reporting
}

// Config is what the stages share, beyond the store.
type Config struct {
	Fiscal             fiscal.Profiles
	Mail               MailConfig
	Installation       string
	Meter              Meter
	PublishConcurrency int
}

// Option changes a stage for a test.
type Option func(*Activities)

// WithClock sets when documents are issued.
func WithClock(now func() time.Time) Option {
	return func(s *Activities) { s.Publication.clock, s.Receipts.clock, s.Reporting.clock = now, now, now }
}

// WithAfterSend fails a delivery between the SMTP server's acceptance and its record.
func WithAfterSend(f func() error) Option {
	return func(s *Activities) { s.Publication.afterSend = f }
}

// WithPlanChunk makes planning select size sources per chunk and, when fail is set, fail
// after the chunk it names (a worker killed mid-plan).
func WithPlanChunk(size int, fail func(n int) error) Option {
	return func(s *Activities) { s.Planning.selectChunkSize, s.Planning.afterChunk = size, fail }
}

// New builds every stage on the store (nil: a set only to name activities, as workflow
// tests do).
func New(st *store.Store, c Config, opts ...Option) *Activities {
	s := &Activities{
		Planning:  &Planning{Store: over[PlanningTx]{st}},
		Invoicing: &Invoicing{Store: over[InvoicingTx]{st}, Meter: c.Meter},
		Publication: &Publication{Store: over[PublicationTx]{st}, Fiscal: c.Fiscal, Mail: c.Mail,
			Installation: c.Installation, Meter: c.Meter, Concurrency: c.PublishConcurrency},
		Crediting:  &Crediting{Store: over[CreditingTx]{st}},
		Receipts:   &Receipts{Store: over[ReceiptsTx]{st}},
		Cancelling: &Cancelling{Store: over[CancellingTx]{st}, Fiscal: c.Fiscal},
		Reporting:  &Reporting{Store: over[ReportingTx]{st}, Fiscal: c.Fiscal},
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

// SetWorkflows hands the stages that reach Temporal itself its client.
func (s *Activities) SetWorkflows(w Workflows) {
	s.Planning.Workflows, s.Publication.Workflows = w, w
}

// Registry is where activities are registered: a worker, or a workflow test's environment.
type Registry interface {
	RegisterActivity(a interface{})
}

// Register puts every stage's activities on r. An activity's name is its method's name.
func (s *Activities) Register(r Registry) {
	r.RegisterActivity(s.Planning)
	r.RegisterActivity(s.Invoicing)
	r.RegisterActivity(s.Publication)
	r.RegisterActivity(s.Crediting)
	r.RegisterActivity(s.Receipts)
	r.RegisterActivity(s.Cancelling)
	r.RegisterActivity(s.Reporting)
}

// now is when a fiscal document is issued.
func (a *Publication) now() time.Time {
	if a.clock != nil {
		return a.clock()
	}
	return time.Now()
}
