package pacsandbox

import (
	"io"
	"net/http"
	"strings"

	"billrun/internal/fiscal/cfdi"
)

// status answers SAT's Servicio de Consulta de CFDI as SAT does, from what the sandbox
// stamped and cancelled: No Encontrado for a UUID it never stamped (or whose issuer,
// receiver or total does not match); Vigente with whether it is cancellable with or
// without its receiver's acceptance (its cancellation rules) and how a cancellation
// request stands; Cancelado once cancelled. No issuer is in the EFOS list (200).
func (s *Server) status(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	_, q, err := cfdi.ParseStatusRequest(body)
	if err != nil {
		soapFault(w, err.Error())
		return
	}
	s.mu.Lock()
	st, ok := s.byUUID[strings.ToUpper(q.Get("id"))]
	var answer cfdi.SATStatus
	switch {
	case !ok || st.IssuerRFC != "" && st.IssuerRFC != q.Get("re") || st.ReceiverRFC != "" && st.ReceiverRFC != q.Get("rr"):
		answer = cfdi.SATStatus{Code: cfdi.SATStatusNotFound, State: "No Encontrado"}
	default:
		answer = cfdi.SATStatus{Code: cfdi.SATStatusFound, State: "Vigente", Cancellable: "Cancelable con aceptación", EFOS: "200"}
		if s.withoutAcceptance(st) {
			answer.Cancellable = "Cancelable sin aceptación"
		}
		if c, asked := s.cancels[st.UUID]; asked {
			if c, err = s.settle(c); err != nil {
				s.mu.Unlock()
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			answer.CancellationStatus = c.SATStatus
			if c.Status == cfdi.CancelDone {
				answer.State = "Cancelado"
			}
		}
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	_, _ = io.WriteString(w, cfdi.StatusResponse(answer))
}

// soapFault answers a request the service cannot read, as a SOAP fault.
func soapFault(w http.ResponseWriter, why string) {
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(http.StatusInternalServerError)
	_, _ = io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault>`+
		`<faultcode>s:Client</faultcode><faultstring>`+xmlEscape(why)+`</faultstring></s:Fault></s:Body></s:Envelope>`)
}

func xmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}
