package cfdi

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/beevik/etree"
)

// SAT's Servicio de Consulta de CFDI (ConsultaCFDIService): one SOAP operation, Consulta,
// that takes a CFDI's printed expression (its QR's URL: id, re, rr, tt, fe) and answers
// whether SAT has it, whether it is cancellable and how its cancellation stands.
const (
	// SATStatusURL is SAT's public service.
	SATStatusURL      = "https://consultaqr.facturaelectronica.sat.gob.mx/ConsultaCFDIService.svc"
	SATStatusAction   = "http://tempuri.org/IConsultaCFDIService/Consulta"
	satStatusNS       = "http://tempuri.org/"
	satStatusResultNS = "http://schemas.datacontract.org/2004/07/Sat.Cfdi.Negocio.ConsultaCfdi.Servicio"
	soapEnvelopeNS    = "http://schemas.xmlsoap.org/soap/envelope/"
	// SAT's codes for a CFDI it has, and one it has not.
	SATStatusFound    = "S - Comprobante obtenido satisfactoriamente."
	SATStatusNotFound = "N - 602: Comprobante no encontrado."
)

// SATStatus is SAT's answer about a CFDI.
type SATStatus struct {
	Code               string `json:"codigo_estatus"`                // "S - Comprobante obtenido satisfactoriamente.", or "N - 602: Comprobante no encontrado."
	State              string `json:"estado"`                        // Vigente, Cancelado, No Encontrado
	Cancellable        string `json:"es_cancelable"`                 // No cancelable, Cancelable sin aceptación, Cancelable con aceptación
	CancellationStatus string `json:"estatus_cancelacion,omitempty"` // En proceso, Plazo vencido, Cancelado con/sin aceptación, Solicitud rechazada
	EFOS               string `json:"validacion_efos,omitempty"`     // 200: the issuer is not in SAT's list of simulated operations (EFOS); 100: it is
}

// StatusChecker asks SAT (or a PAC on its behalf) about a CFDI by its printed expression.
type StatusChecker interface {
	Status(ctx context.Context, expression string) (SATStatus, error)
}

// StatusRequest is the SOAP envelope that asks about expression.
func StatusRequest(expression string) string {
	doc := etree.NewDocument()
	doc.CreateProcInst("xml", `version="1.0" encoding="UTF-8"`)
	env := doc.CreateElement("s:Envelope")
	env.CreateAttr("xmlns:s", soapEnvelopeNS)
	c := env.CreateElement("s:Body").CreateElement("c:Consulta")
	c.CreateAttr("xmlns:c", satStatusNS)
	c.CreateElement("c:expresionImpresa").SetText(expression)
	s, _ := doc.WriteToString()
	return s
}

// ParseStatusRequest reads the expression a Consulta asks about, and its parts.
func ParseStatusRequest(body []byte) (expression string, parts url.Values, err error) {
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(body); err != nil {
		return "", nil, fmt.Errorf("the request is not XML: %w", err)
	}
	e := doc.FindElement("//Consulta/expresionImpresa")
	if e == nil {
		return "", nil, fmt.Errorf("the request has no Consulta/expresionImpresa")
	}
	expression = strings.TrimSpace(e.Text())
	_, query, _ := strings.Cut(expression, "?")
	parts, err = url.ParseQuery(query)
	return expression, parts, err
}

// StatusResponse is the SOAP envelope of SAT's answer.
func StatusResponse(s SATStatus) string {
	doc := etree.NewDocument()
	doc.CreateProcInst("xml", `version="1.0" encoding="UTF-8"`)
	env := doc.CreateElement("s:Envelope")
	env.CreateAttr("xmlns:s", soapEnvelopeNS)
	resp := env.CreateElement("s:Body").CreateElement("ConsultaResponse")
	resp.CreateAttr("xmlns", satStatusNS)
	res := resp.CreateElement("ConsultaResult")
	res.CreateAttr("xmlns:a", satStatusResultNS)
	for _, f := range [][2]string{{"CodigoEstatus", s.Code}, {"EsCancelable", s.Cancellable}, {"Estado", s.State},
		{"EstatusCancelacion", s.CancellationStatus}, {"ValidacionEFOS", s.EFOS}} {
		res.CreateElement("a:" + f[0]).SetText(f[1])
	}
	out, _ := doc.WriteToString()
	return out
}

// ParseStatusResponse reads SAT's answer (or a SOAP fault, as an error).
func ParseStatusResponse(body []byte) (SATStatus, error) {
	var s SATStatus
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(body); err != nil {
		return s, fmt.Errorf("SAT's status answer is not XML: %w", err)
	}
	if f := doc.FindElement("//Fault/faultstring"); f != nil {
		return s, fmt.Errorf("SAT's status service: %s", strings.TrimSpace(f.Text()))
	}
	res := doc.FindElement("//ConsultaResult")
	if res == nil {
		return s, fmt.Errorf("SAT's status answer has no ConsultaResult")
	}
	text := func(name string) string {
		if e := res.SelectElement(name); e != nil {
			return strings.TrimSpace(e.Text())
		}
		return ""
	}
	s = SATStatus{Code: text("CodigoEstatus"), State: text("Estado"), Cancellable: text("EsCancelable"),
		CancellationStatus: text("EstatusCancelacion"), EFOS: text("ValidacionEFOS")}
	return s, nil
}

// Found says whether SAT has the CFDI.
func (s SATStatus) Found() bool { return strings.HasPrefix(s.Code, "S") }
