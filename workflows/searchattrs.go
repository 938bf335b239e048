package workflows

import "go.temporal.io/sdk/temporal"

// Custom search attributes, registered on the server by the stack scripts. They make
// batches and invoices findable and their progress visible in the Web UI.
var (
	AttrBatchID           = temporal.NewSearchAttributeKeyKeyword("BillrunBatchId")
	AttrBatchStatus       = temporal.NewSearchAttributeKeyKeyword("BillrunBatchStatus")
	AttrInvoicesTotal     = temporal.NewSearchAttributeKeyInt64("BillrunInvoicesTotal")
	AttrInvoicesCompleted = temporal.NewSearchAttributeKeyInt64("BillrunInvoicesCompleted")
	AttrInvoicesFailed    = temporal.NewSearchAttributeKeyInt64("BillrunInvoicesFailed")
	AttrCustomer          = temporal.NewSearchAttributeKeyKeyword("BillrunCustomer")
	AttrInvoiceStatus     = temporal.NewSearchAttributeKeyKeyword("BillrunInvoiceStatus")
	// A credit note's workflow: its document kind (return or rebate credit note) and the
	// invoice it corrects, so an invoice's corrections are found from it.
	AttrDocumentKind = temporal.NewSearchAttributeKeyKeyword("BillrunDocumentKind")
	AttrCorrects     = temporal.NewSearchAttributeKeyKeyword("BillrunCorrects")
	// An invoice's number, total and fiscal status, set when its workflow ends. The
	// amount is an index for filtering (BillrunAmount > 10000), not the books: they stay decimal.
	AttrInvoiceNumber = temporal.NewSearchAttributeKeyKeyword("BillrunInvoiceNumber")
	AttrAmount        = temporal.NewSearchAttributeKeyFloat64("BillrunAmount")
	AttrFiscalStatus  = temporal.NewSearchAttributeKeyKeyword("BillrunFiscalStatus")
	// Its document's name and number as its country knows it: "Factura A-4", "e-Factura A 0000001".
	AttrFiscalNumber = temporal.NewSearchAttributeKeyKeyword("BillrunFiscalNumber")
	// A batch's publication: how many of its invoices are stamped, printed and e-mailed
	// ("stamped 5 · printed 5 · mailed 4"), updated as its passes go. One keyword: SQL
	// visibility (the dev server, a cluster on PostgreSQL) holds at most 3 Int attributes.
	AttrPublished = temporal.NewSearchAttributeKeyKeyword("BillrunPublished")
)

// SearchAttributeTypes lists them for registration (name=Type, as the Temporal CLI takes them).
var SearchAttributeTypes = []string{
	"BillrunBatchId=Keyword",
	"BillrunBatchStatus=Keyword",
	"BillrunInvoicesTotal=Int",
	"BillrunInvoicesCompleted=Int",
	"BillrunInvoicesFailed=Int",
	"BillrunCustomer=Keyword",
	"BillrunInvoiceStatus=Keyword",
	"BillrunDocumentKind=Keyword",
	"BillrunCorrects=Keyword",
	"BillrunInvoiceNumber=Keyword",
	"BillrunAmount=Double",
	"BillrunFiscalStatus=Keyword",
	"BillrunFiscalNumber=Keyword",
	"BillrunPublished=Keyword",
}
