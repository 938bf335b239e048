package pac

import (
	"billrun/internal/fiscal/cfdi"
	"context"
	"encoding/json"
	"net/http"
)

// Cancel asks the PAC to cancel a stamped CFDI. It speaks billrun's sandbox PAC's
// cancellation endpoint (POST cfdi/cancel with the request as JSON): SW sapien cancels
// through a request signed with the issuer's CSD, which billrun does not make yet, so
// against a real PAC this answers a refusal saying so.
func (c *Client) Cancel(ctx context.Context, req cfdi.CancelRequest) (cfdi.CancelAnswer, error) {
	return c.cancelCall(ctx, "/cfdi/cancel", req)
}

// CancelStatus asks where a cancellation stands.
func (c *Client) CancelStatus(ctx context.Context, req cfdi.CancelRequest) (cfdi.CancelAnswer, error) {
	return c.cancelCall(ctx, "/cfdi/cancel/status", req)
}

func (c *Client) cancelCall(ctx context.Context, path string, in cfdi.CancelRequest) (cfdi.CancelAnswer, error) {
	body, err := json.Marshal(in)
	if err != nil {
		return cfdi.CancelAnswer{}, err
	}
	var out cfdi.CancelAnswer
	status, err := c.call(ctx, path, "application/json", body, &out)
	if status == http.StatusNotFound {
		return out, &cfdi.Refusal{Message: "this PAC does not offer billrun's cancellation endpoint: cancel the CFDI at the PAC's portal"}
	}
	return out, err
}
