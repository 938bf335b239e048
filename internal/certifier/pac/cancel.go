package pac

import (
	"context"
	"encoding/json"
	"net/http"
)

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

// Cancel asks the PAC to cancel a stamped CFDI. It speaks billrun's sandbox PAC's
// cancellation endpoint (POST cfdi/cancel with the request as JSON): SW sapien cancels
// through a request signed with the issuer's CSD, which billrun does not make yet, so
// against a real PAC this answers a refusal saying so.
func (c *Client) Cancel(ctx context.Context, req CancelRequest) (CancelAnswer, error) {
	return c.cancelCall(ctx, "/cfdi/cancel", req)
}

// CancelStatus asks where a cancellation stands.
func (c *Client) CancelStatus(ctx context.Context, req CancelRequest) (CancelAnswer, error) {
	return c.cancelCall(ctx, "/cfdi/cancel/status", req)
}

func (c *Client) cancelCall(ctx context.Context, path string, in CancelRequest) (CancelAnswer, error) {
	body, err := json.Marshal(in)
	if err != nil {
		return CancelAnswer{}, err
	}
	var out CancelAnswer
	status, err := c.call(ctx, path, "application/json", body, &out)
	if status == http.StatusNotFound {
		return out, &Refusal{Message: "this PAC does not offer billrun's cancellation endpoint: cancel the CFDI at the PAC's portal"}
	}
	return out, err
}
