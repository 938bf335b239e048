package cfe

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/beevik/etree"

	"billrun/internal/fiscal"
)

// Sender speaks to DGI's WS_eFactura for one issuer (who signs each request): it hands an
// envelope of signed CFE over (answering DGI's ACKSobre), asks for the answer to the
// envelope's CFE with the token it gave (answering an ACKCFE, or ErrNotReady while DGI has
// not processed it), and hands a daily report over (answering an ACKRepDiario). Each answer
// is DGI's document as received. An error is transient: the request may be made again.
type Sender interface {
	Receive(ctx context.Context, who Identity, envelope string) (ackSobre string, err error)
	Status(ctx context.Context, who Identity, receptorID int64, token string) (ackCFE string, err error)
	Report(ctx context.Context, who Identity, report string) (ackRepDiario string, err error)
}

// ErrNotReady is DGI's status answer before it has processed an envelope: an ACKCFE with
// nothing in it. It is asked again later.
var ErrNotReady = errors.New("DGI has not answered the envelope's CFE yet")

// NotReady is an envelope's CFE not answered yet, asked before the time DGI's ACKSobre
// gave (ParamConsulta/Fechahora): DGI is not asked before At. It wraps ErrNotReady.
type NotReady struct {
	ReceptorID int64
	At         time.Time
}

func (e *NotReady) Error() string {
	return fmt.Sprintf("%s (envelope %d: DGI said to ask from %s on)", ErrNotReady, e.ReceptorID, e.At.Format(time.RFC3339))
}
func (e *NotReady) Unwrap() error { return ErrNotReady }

// Client is the Sender that speaks WS_eFactura over HTTP(S) at URL: DGI's test service
// (https://efactura.dgi.gub.uy:6443/ePrueba/ws_eprueba), its production one, or billrun's
// sandbox DGI. Requests are signed with the issuer's certificate (WS-Security).
type Client struct {
	URL    string
	Client *http.Client
}

var _ Sender = (*Client)(nil)

// Receive calls EFACRECEPCIONSOBRE.
func (c *Client) Receive(ctx context.Context, who Identity, envelope string) (string, error) {
	return c.call(ctx, OpReceiveEnvelope, who, envelope)
}

// Status calls EFACCONSULTARESTADOENVIO.
func (c *Client) Status(ctx context.Context, who Identity, receptorID int64, token string) (string, error) {
	ack, err := c.call(ctx, OpEnvelopeStatus, who, Consulta(receptorID, token))
	if err != nil {
		return "", err
	}
	if !answered(ack) {
		return "", fmt.Errorf("%w (envelope %d)", ErrNotReady, receptorID)
	}
	return ack, nil
}

// Report calls EFACRECEPCIONREPORTE.
func (c *Client) Report(ctx context.Context, who Identity, report string) (string, error) {
	return c.call(ctx, OpReceiveReport, who, report)
}

// call makes one signed request and answers the document the response carries.
func (c *Client) call(ctx context.Context, op Operation, who Identity, payload string) (string, error) {
	body, err := op.Request(who, payload)
	if err != nil {
		return "", err
	}
	client := c.Client
	if client == nil {
		client = &http.Client{Timeout: 60 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, bytes.NewBufferString(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "text/xml;charset=UTF-8")
	req.Header.Set("SOAPAction", op.SOAPAction())
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return "", err
	}
	where := fiscal.Endpoint(c.URL)
	m, perr := ReadSOAP(string(raw))
	switch {
	case perr == nil && m.Fault != "":
		return "", fmt.Errorf("DGI (%s) answered %s with a SOAP fault: %s", where, op, fiscal.Clip(m.Fault))
	case resp.StatusCode != http.StatusOK:
		return "", fmt.Errorf("DGI (%s) answered %s: %s: %s", where, op, resp.Status, fiscal.Clip(string(raw)))
	case perr != nil:
		return "", fmt.Errorf("DGI (%s) answered %s with no readable SOAP: %v", where, op, perr)
	case !m.Response || m.Operation != op:
		return "", fmt.Errorf("DGI (%s) answered %s with %s", where, op, m.Operation)
	}
	return m.Payload, nil
}

// answered says whether a status answer holds DGI's answer: an ACKCFE with its cover.
// Before DGI has processed the envelope it answers an ACKCFE with nothing in it.
func answered(ack string) bool {
	doc := etree.NewDocument()
	if doc.ReadFromString(ack) != nil || doc.Root() == nil {
		return true // not an empty ACKCFE: reading it says what is wrong
	}
	return doc.Root().Tag != "ACKCFE" || doc.Root().SelectElement("Caratula") != nil || strings.TrimSpace(doc.Root().Text()) != ""
}
