package cfdi

import "context"

// What Mexico's profile needs of a PAC, the certifier that stamps and cancels CFDI: the
// format says what it needs, and a transport (internal/certifier/pac's Client, the sandbox
// PAC) provides it, so the document format does not depend on its transport.

// SandboxRFC is the RFC billrun's sandbox PAC stamps as (RfcProvCertif): made up, so that
// no one takes a sandbox stamp for a real one; printouts say so.
const SandboxRFC = "BSP200101AA1"

// Stamper stamps a sealed CFDI.
type Stamper interface {
	// Stamp answers the stamped CFDI. Stamping the same document again answers the same
	// stamp (PACs keep a document's stamp), so a retry after a lost answer is safe.
	Stamp(ctx context.Context, xml string) (Stamped, error)
}

// Stamped is a PAC's answer.
type Stamped struct {
	CFDI             string `json:"cfdi"` // the CFDI with its TimbreFiscalDigital
	UUID             string `json:"uuid"`
	FechaTimbrado    string `json:"fechaTimbrado"`
	NoCertificadoSAT string `json:"noCertificadoSAT"`
	SelloSAT         string `json:"selloSAT"`
	CadenaOriginal   string `json:"cadenaOriginalSAT"`
}

// Refusal is a PAC refusing a document (a broken seal, a certificate not valid then, a
// date out of range): no retry helps until the document or its data changes.
type Refusal struct {
	Message string
	Detail  string
}

func (r *Refusal) Error() string {
	if r.Detail != "" && r.Detail != r.Message {
		return "the PAC refused the document: " + r.Message + " (" + r.Detail + ")"
	}
	return "the PAC refused the document: " + r.Message
}

// Cancellation statuses as billrun records them. SAT cancels a CFDI at once when its rules
// allow cancelling without the receiver's acceptance (a total up to 1,000 pesos, the
// generic public, an egreso, within a day of stamping, …); otherwise the request waits up
// to three business days for the receiver, and silence counts as acceptance.
const (
	CancelDone     = "cancelled" // cancelled, with or without acceptance
	CancelPending  = "pending"   // waiting for the receiver's acceptance
	CancelRejected = "rejected"  // the receiver rejected it: the CFDI stays valid
)

// CancelRequest asks for a stamped CFDI's cancellation with SAT's motive (01-04) and,
// for 01 (issued with errors, replaced), the UUID of the CFDI that replaces it.
type CancelRequest struct {
	IssuerRFC   string `json:"rfc"`
	UUID        string `json:"uuid"`
	Motive      string `json:"motivo"`
	Replacement string `json:"folioSustitucion,omitempty"`
}

// CancelAnswer is where a cancellation stands, in billrun's terms and in SAT's words.
type CancelAnswer struct {
	Status    string `json:"status"`    // CancelDone, CancelPending or CancelRejected
	SATStatus string `json:"satStatus"` // e.g. "Cancelado sin aceptación", "En proceso"
}

// Canceller cancels stamped CFDI. Asking again for a UUID already asked answers where it
// stands, so a retry after a lost answer is safe.
type Canceller interface {
	Cancel(ctx context.Context, req CancelRequest) (CancelAnswer, error)
	// CancelStatus answers where an earlier request stands.
	CancelStatus(ctx context.Context, req CancelRequest) (CancelAnswer, error)
}
