package cfdi

import (
	"strings"
	"testing"
)

// The Consulta asks with the expression and reads SAT's answer as SAT writes it (its own
// prefixes and namespaces), and a SOAP fault as an error.
func TestSATStatusSOAP(t *testing.T) {
	expr := "https://verificacfdi.facturaelectronica.sat.gob.mx/default.aspx?id=6F35D3B5-0000-4000-8000-000000000004&re=EKU9003173C9&rr=URE180429TM6&tt=3654.0&fe=AbCdEf=="
	got, parts, err := ParseStatusRequest([]byte(StatusRequest(expr)))
	if err != nil || got != expr || parts.Get("re") != "EKU9003173C9" || parts.Get("fe") != "AbCdEf==" {
		t.Fatalf("request read back as %q %v %v", got, parts, err)
	}
	sat := `<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>` +
		`<ConsultaResponse xmlns="http://tempuri.org/"><ConsultaResult xmlns:a="http://schemas.datacontract.org/2004/07/Sat.Cfdi.Negocio.ConsultaCfdi.Servicio" xmlns:i="http://www.w3.org/2001/XMLSchema-instance">` +
		`<a:CodigoEstatus>S - Comprobante obtenido satisfactoriamente.</a:CodigoEstatus><a:EsCancelable>Cancelable con aceptación</a:EsCancelable>` +
		`<a:Estado>Vigente</a:Estado><a:EstatusCancelacion>Solicitud rechazada</a:EstatusCancelacion><a:ValidacionEFOS>200</a:ValidacionEFOS>` +
		`</ConsultaResult></ConsultaResponse></s:Body></s:Envelope>`
	want := SATStatus{Code: SATStatusFound, State: "Vigente", Cancellable: "Cancelable con aceptación", CancellationStatus: "Solicitud rechazada", EFOS: "200"}
	for name, body := range map[string]string{"SAT's": sat, "ours": StatusResponse(want)} {
		s, err := ParseStatusResponse([]byte(body))
		if err != nil || s != want || !s.Found() {
			t.Errorf("%s answer read as %+v, %v", name, s, err)
		}
	}
	fault := `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault><faultcode>s:Client</faultcode><faultstring>Expresión mal formada</faultstring></s:Fault></s:Body></s:Envelope>`
	if _, err := ParseStatusResponse([]byte(fault)); err == nil || !strings.Contains(err.Error(), "mal formada") {
		t.Errorf("a fault: %v", err)
	}
}
