// Package pac stamps CFDI through a PAC (Proveedor Autorizado de Certificación), the
// authority-appointed service that adds the TimbreFiscalDigital without which a CFDI is
// not valid. Client speaks SW sapien's published REST API — authenticate with user and
// password for a token, then POST the sealed CFDI as a multipart file to
// cfdi33/stamp/v4 — and billrun's sandbox PAC (package sandbox) speaks the same protocol.
// A PAC's refusal is a cfdi.Refusal (the invoice stays completed and unstamped with the
// reason); a PAC that cannot be reached, or fails on its side, is a transient error.
package pac

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"sync"
	"time"

	"billrun/internal/fiscal"
	"billrun/internal/fiscal/cfdi"
)

// Client is a PAC reached over SW sapien's REST API. The password is used only to ask for
// a token; neither is ever logged or returned.
type Client struct {
	URL, User, Password string
	HTTP                *http.Client
	// StatusURL is SAT's Servicio de Consulta de CFDI ("": SAT's own).
	StatusURL string

	mu      sync.Mutex
	token   string
	expires time.Time
}

// response is the API's envelope.
type response struct {
	Data          json.RawMessage `json:"data"`
	Status        string          `json:"status"`
	Message       string          `json:"message"`
	MessageDetail string          `json:"messageDetail"`
}

// Stamp stamps a sealed CFDI.
func (c *Client) Stamp(ctx context.Context, xml string) (cfdi.Stamped, error) {
	var body bytes.Buffer
	mp := multipart.NewWriter(&body)
	part, err := mp.CreateFormFile("xml", "xml")
	if err != nil {
		return cfdi.Stamped{}, err
	}
	if _, err := io.WriteString(part, xml); err != nil {
		return cfdi.Stamped{}, err
	}
	if err := mp.Close(); err != nil {
		return cfdi.Stamped{}, err
	}
	var out cfdi.Stamped
	_, err = c.call(ctx, "/cfdi33/stamp/v4", mp.FormDataContentType(), body.Bytes(), &out)
	return out, err
}

// call POSTs body to path with a token, asking for a new token once when the PAC says the
// one it had expired, and reads the envelope's data into out.
func (c *Client) call(ctx context.Context, path, contentType string, body []byte, out any) (int, error) {
	for try := 0; ; try++ {
		token, err := c.authenticate(ctx)
		if err != nil {
			return 0, err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(c.URL, "/")+path, bytes.NewReader(body))
		if err != nil {
			return 0, err
		}
		req.Header.Set("Content-Type", contentType)
		req.Header.Set("Authorization", "bearer "+token)
		status, err := c.do(req, out)
		if status == http.StatusUnauthorized && try == 0 {
			c.forget() // the token expired: ask again, once
			continue
		}
		return status, err
	}
}

// authenticate answers a token, asking for one when it has none or it is about to expire.
func (c *Client) authenticate(ctx context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token != "" && time.Now().Before(c.expires) {
		return c.token, nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(c.URL, "/")+"/security/authenticate", nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("user", c.User)
	req.Header.Set("password", c.Password)
	var data struct {
		Token     string `json:"token"`
		ExpiresIn int64  `json:"expires_in"`
	}
	if status, err := c.do(req, &data); err != nil {
		if status == http.StatusUnauthorized || status == http.StatusForbidden {
			return "", &cfdi.Refusal{Message: "the PAC refused billrun's user and password (PAC_USER, PAC_PASSWORD)"}
		}
		return "", err
	}
	c.token, c.expires = data.Token, time.Now().Add(time.Hour)
	if data.ExpiresIn > 0 {
		c.expires = time.Now().Add(time.Duration(data.ExpiresIn)*time.Second - time.Minute)
	}
	return c.token, nil
}

func (c *Client) forget() {
	c.mu.Lock()
	c.token = ""
	c.mu.Unlock()
}

// do sends a request and reads the envelope's data into out. A 4xx answer with an error
// envelope is a cfdi.Refusal; anything else that fails is transient.
func (c *Client) do(req *http.Request, out any) (int, error) {
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, fmt.Errorf("PAC at %s: %w", fiscal.Endpoint(c.URL), err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		return resp.StatusCode, fmt.Errorf("PAC at %s: %w", fiscal.Endpoint(c.URL), err)
	}
	var env response
	if jerr := json.Unmarshal(raw, &env); jerr != nil {
		return resp.StatusCode, fmt.Errorf("PAC at %s answered %d with no JSON: %s", fiscal.Endpoint(c.URL), resp.StatusCode, fiscal.Clip(string(raw)))
	}
	switch {
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
		return resp.StatusCode, fmt.Errorf("PAC at %s: %d %s", fiscal.Endpoint(c.URL), resp.StatusCode, fiscal.Clip(env.Message))
	case resp.StatusCode == http.StatusUnauthorized:
		return resp.StatusCode, errors.New("PAC: unauthorized")
	case env.Status != "success" || resp.StatusCode >= 400:
		return resp.StatusCode, &cfdi.Refusal{Message: fiscal.Clip(env.Message), Detail: fiscal.Clip(env.MessageDetail)}
	}
	return resp.StatusCode, json.Unmarshal(env.Data, out)
}
