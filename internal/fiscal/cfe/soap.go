package cfe

import (
	encxml "encoding/xml"
	"errors"
	"fmt"
	"strings"

	"github.com/beevik/etree"
)

// DGI's web service for CFE, WS_eFactura (its WSDL: ws_eprueba?wsdl in DGI's test
// environment, ws_efactura in production): document/literal SOAP 1.1, one operation per
// duty, each taking a Datain and answering a Dataout whose xmlData holds the document as
// text (a CDATA section).
const nsDGI = "http://dgi.gub.uy"

// Operation is one of WS_eFactura's operations.
type Operation string

// WS_eFactura's operations.
const (
	// OpReceiveEnvelope takes an EnvioCFE and answers an ACKSobre (AS with a token, or BS).
	OpReceiveEnvelope Operation = "EFACRECEPCIONSOBRE"
	// OpEnvelopeStatus takes a ConsultaCFE (IdReceptor, Token) and answers the ACKCFE of the
	// envelope's CFE.
	OpEnvelopeStatus Operation = "EFACCONSULTARESTADOENVIO"
	// OpReceiveReport takes a signed Reporte (the daily report) and answers an ACKRepDiario.
	OpReceiveReport Operation = "EFACRECEPCIONREPORTE"
)

// SOAPAction is the operation's SOAPAction, as the WSDL binds it (quoted, as sent).
func (o Operation) SOAPAction() string {
	return `"http://dgi.gub.uyaction/AWS_EFACTURA.` + string(o) + `"`
}

// element is the operation's request element (the answer's adds Response).
func (o Operation) element() string { return "WS_eFactura." + string(o) }

// Request is the operation's SOAP request carrying payload (a whole XML document), signed
// by who.
func (o Operation) Request(who Identity, payload string) (string, error) {
	return signedSOAP(who, `<dgi:`+o.element()+`><dgi:Datain><dgi:xmlData>`+cdata(payload)+
		`</dgi:xmlData></dgi:Datain></dgi:`+o.element()+`>`)
}

// Response is the operation's SOAP answer carrying payload, signed by who (the sandbox DGI).
func (o Operation) Response(who Identity, payload string) (string, error) {
	return signedSOAP(who, `<dgi:`+o.element()+`Response><dgi:Dataout><dgi:xmlData>`+cdata(payload)+
		`</dgi:xmlData></dgi:Dataout></dgi:`+o.element()+`Response>`)
}

// cdata wraps a document in a CDATA section; a "]]>" in it (none in well-formed XML text)
// is split across two sections.
func cdata(s string) string {
	return "<![CDATA[" + strings.ReplaceAll(s, "]]>", "]]]]><![CDATA[>") + "]]>"
}

// Consulta is the ConsultaCFE document of a status query: the envelope's number at DGI and
// the token DGI's ACKSobre gave.
func Consulta(receptorID int64, token string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<ConsultaCFE xmlns="` + nsDGI + `"><IdReceptor>` + fmt.Sprint(receptorID) + `</IdReceptor><Token>`)
	_ = encxml.EscapeText(&b, []byte(token))
	b.WriteString(`</Token></ConsultaCFE>` + "\n")
	return b.String()
}

// ReadConsulta reads a ConsultaCFE: the envelope's number at DGI and its token.
func ReadConsulta(xml string) (receptorID int64, token string, err error) {
	doc := etree.NewDocument()
	if err := doc.ReadFromString(xml); err != nil {
		return 0, "", err
	}
	root := doc.Root()
	if root == nil || root.Tag != "ConsultaCFE" {
		return 0, "", errors.New("not a ConsultaCFE")
	}
	if _, err := fmt.Sscan(text(root, "IdReceptor"), &receptorID); err != nil {
		return 0, "", fmt.Errorf("ConsultaCFE: IdReceptor: %w", err)
	}
	return receptorID, text(root, "Token"), nil
}

// SOAPMessage is a SOAP message read: the operation it carries (request or answer), the
// document in its xmlData, or the fault it is.
type SOAPMessage struct {
	Operation Operation
	Response  bool
	Payload   string
	Fault     string // faultcode: faultstring, when the message is a SOAP Fault
}

// ReadSOAP reads a WS_eFactura message.
func ReadSOAP(xml string) (SOAPMessage, error) {
	doc := etree.NewDocument()
	if err := doc.ReadFromString(xml); err != nil {
		return SOAPMessage{}, fmt.Errorf("not XML: %w", err)
	}
	root := doc.Root()
	if root == nil || root.Tag != "Envelope" || root.NamespaceURI() != nsSOAP {
		return SOAPMessage{}, errors.New("not a SOAP 1.1 envelope")
	}
	body := root.SelectElement("Body")
	if body == nil || len(body.ChildElements()) != 1 {
		return SOAPMessage{}, errors.New("the SOAP Body must hold one element")
	}
	el := body.ChildElements()[0]
	if el.Tag == "Fault" {
		return SOAPMessage{Fault: strings.TrimSpace(text(el, "faultcode") + ": " + text(el, "faultstring"))}, nil
	}
	if el.NamespaceURI() != nsDGI || !strings.HasPrefix(el.Tag, "WS_eFactura.") {
		return SOAPMessage{}, fmt.Errorf("%s is not a WS_eFactura operation", el.Tag)
	}
	m := SOAPMessage{Operation: Operation(strings.TrimSuffix(strings.TrimPrefix(el.Tag, "WS_eFactura."), "Response"))}
	m.Response = strings.HasSuffix(el.Tag, "Response")
	data := "Datain"
	if m.Response {
		data = "Dataout"
	}
	x := el.FindElement("./" + data + "/xmlData")
	if x == nil {
		return m, fmt.Errorf("%s carries no %s/xmlData", el.Tag, data)
	}
	m.Payload = strings.TrimSpace(x.Text())
	return m, nil
}

// Fault is a SOAP 1.1 Fault, as the sandbox answers a request it cannot take.
func Fault(code, reason string) string {
	var s strings.Builder
	_ = encxml.EscapeText(&s, []byte(reason))
	return `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<soapenv:Envelope xmlns:soapenv="` + nsSOAP + `"><soapenv:Body><soapenv:Fault>` +
		`<faultcode>soapenv:` + code + `</faultcode><faultstring>` + s.String() + `</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>` + "\n"
}
