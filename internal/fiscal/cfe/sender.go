package cfe

import (
	"billrun/internal/fiscal"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Sender hands an envelope of signed CFE to DGI and answers DGI's acknowledgement (an
// ACKCFE) as received. An error is transient: the envelope may be sent again, and DGI
// answers a CFE it has already received with the same acknowledgement.
type Sender interface {
	Send(ctx context.Context, envelope string) (ack string, err error)
}

// HTTPSender posts envelopes to a receiver that answers ACKCFE in the response body:
// billrun's sandbox DGI. DGI's own reception service (a SOAP web service whose requests
// are signed with WS-Security) is out of reach here and not written.
type HTTPSender struct {
	URL    string // e.g. http://127.0.0.1:8095/dgi/cfe
	Client *http.Client
}

// Send posts the envelope.
func (s *HTTPSender) Send(ctx context.Context, envelope string) (string, error) {
	client := s.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL, bytes.NewBufferString(envelope))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/xml")
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("DGI receiver %s answered %s: %s", fiscal.Endpoint(s.URL), resp.Status, fiscal.Clip(string(body)))
	}
	return string(body), nil
}
