package pacsandbox

import (
	"billrun/internal/fiscal/cfdi"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/beevik/etree"
	"github.com/shopspring/decimal"
)

// Cancellation in the sandbox follows SAT's rules as a PAC relays them, simplified: a CFDI
// is cancelled at once ("sin aceptación") when its total is at most 1,000 pesos, its
// receiver is the generic public or a foreigner, it is an egreso, or it was stamped less
// than FreeCancelWindow ago; otherwise the request is "En proceso" until the receiver
// accepts or rejects it (POST cfdi/cancel/answer, the receiver's side of SAT's mailbox), or
// 72 hours pass with no answer ("Plazo vencido": cancelled).

// cancelRecord is where one UUID's cancellation stands.
type cancelRecord struct {
	UUID        string    `json:"uuid"`
	Motive      string    `json:"motivo"`
	Replacement string    `json:"folio_sustitucion,omitempty"`
	Status      string    `json:"status"`
	SATStatus   string    `json:"sat_status"`
	RequestedAt time.Time `json:"requested_at"`
}

// acceptanceDeadline is how long a receiver has to answer (SAT: three business days).
const acceptanceDeadline = 72 * time.Hour

var freeCancelLimit = decimal.NewFromInt(1000)

func (s *Server) openCancellations() error {
	name := filepath.Join(s.dir, "cancellations.jsonl")
	if raw, err := os.ReadFile(name); err == nil {
		for i, line := range bytes.Split(raw, []byte("\n")) {
			if len(bytes.TrimSpace(line)) == 0 {
				continue
			}
			var r cancelRecord
			if err := json.Unmarshal(line, &r); err != nil {
				return fmt.Errorf("%s line %d: %w", name, i+1, err)
			}
			s.cancels[r.UUID] = r
		}
	}
	var err error
	s.cancelLog, err = os.OpenFile(name, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	return err
}

// totalMXN is a CFDI's total in pesos (Total × TipoCambio), as cancellation rules weigh it.
func totalMXN(root *etree.Element) string {
	total, err := decimal.NewFromString(root.SelectAttrValue("Total", ""))
	if err != nil {
		return ""
	}
	if rate, err := decimal.NewFromString(root.SelectAttrValue("TipoCambio", "1")); err == nil {
		total = total.Mul(rate)
	}
	return total.String()
}

// authorized lets a request through with a token the sandbox gave.
func (s *Server) authorized(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		ok := s.tokens[strings.TrimPrefix(strings.TrimPrefix(r.Header.Get("Authorization"), "bearer "), "Bearer ")]
		s.mu.Unlock()
		if !ok {
			reply(w, http.StatusUnauthorized, nil, "AU2000 - El token no es válido", "")
			return
		}
		h(w, r)
	}
}

// save records a cancellation's new state; the caller holds s.mu.
func (s *Server) save(c cancelRecord) error {
	line, _ := json.Marshal(c)
	if _, err := s.cancelLog.Write(append(line, '\n')); err != nil {
		return err
	}
	s.cancels[c.UUID] = c
	return nil
}

// settle moves a pending request whose receiver did not answer in time to cancelled.
func (s *Server) settle(c cancelRecord) (cancelRecord, error) {
	if c.Status == cfdi.CancelPending && s.Now().Sub(c.RequestedAt) > acceptanceDeadline {
		c.Status, c.SATStatus = cfdi.CancelDone, "Plazo vencido"
		return c, s.save(c)
	}
	return c, nil
}

func (s *Server) cancel(w http.ResponseWriter, r *http.Request) {
	var req cfdi.CancelRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		reply(w, http.StatusBadRequest, nil, "CA1000 - Solicitud mal formada", err.Error())
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.byUUID[strings.ToUpper(req.UUID)]
	switch {
	case !ok:
		reply(w, http.StatusBadRequest, nil, "205 - UUID no existe", req.UUID)
		return
	case st.IssuerRFC != "" && st.IssuerRFC != req.IssuerRFC:
		reply(w, http.StatusBadRequest, nil, "203 - UUID no corresponde al emisor", req.IssuerRFC)
		return
	case !strings.Contains(" 01 02 03 04 ", " "+req.Motive+" "):
		reply(w, http.StatusBadRequest, nil, "CA2010 - Motivo de cancelación no válido", req.Motive)
		return
	case req.Motive == "01" && req.Replacement == "":
		reply(w, http.StatusBadRequest, nil, "CA2020 - El motivo 01 requiere el folio de sustitución", "")
		return
	case req.Motive == "01" && s.byUUID[strings.ToUpper(req.Replacement)].UUID == "":
		reply(w, http.StatusBadRequest, nil, "CA2030 - El folio de sustitución no existe", req.Replacement)
		return
	}
	if c, ok := s.cancels[st.UUID]; ok && c.Status != cfdi.CancelRejected {
		c, err := s.settle(c)
		if err != nil {
			reply(w, http.StatusInternalServerError, nil, "500 - Error del PAC", err.Error())
			return
		}
		reply(w, http.StatusOK, cfdi.CancelAnswer{Status: c.Status, SATStatus: c.SATStatus}, "", "") // asked before: where it stands
		return
	}
	c := cancelRecord{UUID: st.UUID, Motive: req.Motive, Replacement: strings.ToUpper(req.Replacement), RequestedAt: s.Now()}
	if s.withoutAcceptance(st) {
		c.Status, c.SATStatus = cfdi.CancelDone, "Cancelado sin aceptación"
	} else {
		c.Status, c.SATStatus = cfdi.CancelPending, "En proceso"
	}
	if err := s.save(c); err != nil {
		reply(w, http.StatusInternalServerError, nil, "500 - Error del PAC", err.Error())
		return
	}
	reply(w, http.StatusOK, cfdi.CancelAnswer{Status: c.Status, SATStatus: c.SATStatus}, "", "")
}

// withoutAcceptance tells whether SAT cancels the CFDI with no word from its receiver.
func (s *Server) withoutAcceptance(st stampRecord) bool {
	total, err := decimal.NewFromString(st.TotalMXN)
	return (err == nil && total.LessThanOrEqual(freeCancelLimit)) ||
		st.ReceiverRFC == "XAXX010101000" || st.ReceiverRFC == "XEXX010101000" || st.Tipo == "E" ||
		s.Now().Sub(st.FechaTimbrado) < s.FreeCancelWindow
}

func (s *Server) cancelStatus(w http.ResponseWriter, r *http.Request) {
	var req cfdi.CancelRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		reply(w, http.StatusBadRequest, nil, "CA1000 - Solicitud mal formada", err.Error())
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.cancels[strings.ToUpper(req.UUID)]
	if !ok {
		reply(w, http.StatusOK, cfdi.CancelAnswer{Status: "", SATStatus: "Vigente"}, "", "")
		return
	}
	c, err := s.settle(c)
	if err != nil {
		reply(w, http.StatusInternalServerError, nil, "500 - Error del PAC", err.Error())
		return
	}
	reply(w, http.StatusOK, cfdi.CancelAnswer{Status: c.Status, SATStatus: c.SATStatus}, "", "")
}

// cancelAnswer is the receiver accepting or rejecting a pending cancellation.
func (s *Server) cancelAnswer(w http.ResponseWriter, r *http.Request) {
	var in struct {
		UUID   string `json:"uuid"`
		Accept bool   `json:"accept"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		reply(w, http.StatusBadRequest, nil, "CA1000 - Solicitud mal formada", err.Error())
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.cancels[strings.ToUpper(in.UUID)]
	if !ok || c.Status != cfdi.CancelPending {
		reply(w, http.StatusBadRequest, nil, "CA3000 - No hay una solicitud de cancelación pendiente", in.UUID)
		return
	}
	if in.Accept {
		c.Status, c.SATStatus = cfdi.CancelDone, "Cancelado con aceptación"
	} else {
		c.Status, c.SATStatus = cfdi.CancelRejected, "Solicitud rechazada"
	}
	if err := s.save(c); err != nil {
		reply(w, http.StatusInternalServerError, nil, "500 - Error del PAC", err.Error())
		return
	}
	reply(w, http.StatusOK, cfdi.CancelAnswer{Status: c.Status, SATStatus: c.SATStatus}, "", "")
}
