package pac

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"billrun/internal/fiscal/cfdi"
)

// Status asks SAT's Servicio de Consulta de CFDI about a CFDI by its printed expression:
// a public SOAP service that needs no credentials, at StatusURL (SAT's own by default;
// billrun's sandbox PAC answers the same operation for the demo and the tests).
func (c *Client) Status(ctx context.Context, expression string) (cfdi.SATStatus, error) {
	url := c.StatusURL
	if url == "" {
		url = cfdi.SATStatusURL
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewBufferString(cfdi.StatusRequest(expression)))
	if err != nil {
		return cfdi.SATStatus{}, err
	}
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	req.Header.Set("SOAPAction", cfdi.SATStatusAction)
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second} // SAT's service is slow at times; never wait forever
	}
	resp, err := hc.Do(req)
	if err != nil {
		return cfdi.SATStatus{}, fmt.Errorf("SAT's status service %s: %w", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return cfdi.SATStatus{}, err
	}
	s, err := cfdi.ParseStatusResponse(body)
	if err != nil && resp.StatusCode != http.StatusOK {
		return s, fmt.Errorf("SAT's status service answered %s: %w", resp.Status, err)
	}
	return s, err
}
