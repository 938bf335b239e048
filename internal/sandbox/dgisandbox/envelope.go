package dgisandbox

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/beevik/etree"

	"billrun/internal/fiscal/cfe"
)

// sending is an envelope (or a daily report) the sandbox answered: its number at DGI, the
// token its status is asked with, and its CFE's answers.
type sending struct {
	ID         int64     `json:"id"` // IDReceptor
	Kind       string    `json:"kind"`
	RUT        string    `json:"rut"`
	EmitterID  int64     `json:"emitter_id"`
	File       string    `json:"file"`
	Token      string    `json:"token,omitempty"`
	At         time.Time `json:"at"`
	AskAfter   time.Time `json:"ask_after"`
	Answers    []record  `json:"answers,omitempty"`
	Date       string    `json:"date,omitempty"` // a report's day
	Seq        int       `json:"seq,omitempty"`  // a report's SecEnvio
	State      string    `json:"state,omitempty"`
	Motivo     string    `json:"motivo,omitempty"`
	Glosa      string    `json:"glosa,omitempty"`
	Detail     string    `json:"detail,omitempty"`
	ReportHash string    `json:"report_hash,omitempty"`
	Digest     string    `json:"digest,omitempty"` // an envelope's, as received
}

// record is the sandbox's answer to one CFE.
type record struct {
	Key        string    `json:"key"`
	Digest     string    `json:"digest"` // of the CFE as received
	State      string    `json:"state"`
	Motivo     string    `json:"motivo,omitempty"`
	Glosa      string    `json:"glosa,omitempty"`
	Detail     string    `json:"detail,omitempty"`
	Tipo       string    `json:"tipo"`
	Serie      string    `json:"serie"`
	Nro        string    `json:"nro"`
	Fecha      string    `json:"fecha"`
	TmstFirma  string    `json:"tmst"`
	ResponseID int64     `json:"response_id"`
	At         time.Time `json:"at"`
}

// DGI's rejection codes and wording (RechazoCFE_DGIType, RechazoSobreType).
var reasons = map[string][2]string{
	"E01": {"E01", "Tipo y Nº de CFE ya fue reportado como anulado"},
	"E02": {"E02", "No cumple validaciones de Formato comprobantes"},
	"E03": {"E03", "Tipo y Nº de CFE ya existe en los registros"},
	"E04": {"E04", "Tipo y Nº de CFE no se corresponden con el CAE"},
	"E05": {"E05", "Firma electrónica no es válida"},
	"E07": {"E07", "Fecha Firma de CFE no se corresponde con fecha CAE"},
	"E08": {"E08", "No coincide RUC de CFE y Complemento Fiscal"},
	"E09": {"E09", "RUC emisor y/o tipo de CFE no se corresponden con el CAE"},
	"S02": {"S02", "No coincide RUC de Sobre, Certificado, envío o CFE"},
	"S04": {"S04", "No cumple validaciones según Formato de sobre"},
	"S05": {"S05", "No coinciden cantidad CFE de carátula y contenido"},
	"S06": {"S06", "No coinciden certificado de sobre y comprobantes"},
	"S08": {"S08", "Sobre enviado ya existe en los registros de DGI"},
}

// receive takes an EnvioCFE signed (WS-Security) by signer: an envelope that cannot be
// taken is rejected (BS); one taken is received (AS) with a number and a token, and its CFE
// are checked at once — their answer is given from AnswerAfter on.
func (s *Server) receive(ctx context.Context, signer *x509.Certificate, envelope string) (string, error) {
	now := s.Now()
	x := sending{ID: s.nextID(), Kind: "envelope", At: now, AskAfter: now.Add(s.AnswerAfter), State: cfe.EnvelopeReceived}
	env, openErr := cfe.OpenEnvelope(envelope)
	x.RUT, x.EmitterID = env.IssuerRUT, env.ID
	x.File = fmt.Sprintf("Sob_%s_%s_%d", env.IssuerRUT, env.Created.Format("20060102"), env.ID)
	sum := sha256.Sum256([]byte(envelope))
	x.Digest = hex.EncodeToString(sum[:])
	switch valid := cfe.ValidateEnvelope(ctx, envelope); {
	case openErr != nil || valid != nil:
		x = rejectSending(x, "S04", fmt.Sprint(valid, openErr))
	case rucOf(signer) != env.IssuerRUT:
		x = rejectSending(x, "S02", "the request is signed by RUC "+rucOf(signer)+", the envelope is RUC "+env.IssuerRUT+"'s")
	case !bytes.Equal(signer.Raw, env.CertDER):
		x = rejectSending(x, "S06", "the envelope's certificate is not the one that signed the request")
	case countCFE(envelope) != len(env.CFE):
		x = rejectSending(x, "S05", "")
	case !s.Shared && s.heldEnvelope(env.IssuerRUT, x.Digest) != 0:
		x = rejectSending(x, "S08", fmt.Sprintf("envelope %d of RUC %s was received before", env.ID, env.IssuerRUT))
	}
	if x.State == cfe.EnvelopeReceived {
		tok := make([]byte, 48)
		if _, err := rand.Read(tok); err != nil {
			return "", err
		}
		x.Token = base64.StdEncoding.EncodeToString(tok)
		for _, c := range env.CFE {
			rec, err := s.check(c, env.IssuerRUT, signer, now)
			if err != nil {
				return "", err
			}
			rec.ResponseID = x.ID
			x.Answers = append(x.Answers, rec)
		}
	}
	if err := appendJSON(s.journal, x); err != nil {
		return "", err
	}
	s.sendings[x.ID] = x
	return s.ackSobre(ctx, x, len(env.CFE))
}

// countCFE is the envelope's cover's CantCFE.
func countCFE(envelope string) int {
	doc := etree.NewDocument()
	n := -1
	if doc.ReadFromString(envelope) == nil {
		if c := doc.FindElement("//Caratula/CantCFE"); c != nil {
			fmt.Sscan(c.Text(), &n)
		}
	}
	return n
}

// heldEnvelope is DGI's number of an envelope of the issuer it received before, byte for
// byte the same (sent again after its answer was lost), or 0. Which envelopes DGI takes for
// the same one is not published: the sandbox takes the same bytes (billrun sends again
// exactly what it recorded), not the same number with other content.
func (s *Server) heldEnvelope(rut, digest string) int64 {
	for n, x := range s.sendings {
		if x.Kind == "envelope" && x.State == cfe.EnvelopeReceived && x.RUT == rut && x.Digest == digest {
			return n
		}
	}
	return 0
}

func (s *Server) nextID() int64 {
	var n int64
	for id := range s.sendings {
		n = max(n, id)
	}
	return n + 1
}

func rejectSending(x sending, code, detail string) sending {
	why := reasons[code]
	x.State, x.Motivo, x.Glosa, x.Detail = cfe.EnvelopeRejected, why[0], why[1], clip(detail)
	return x
}

func clip(s string) string {
	if len(s) > 500 {
		s = s[:500]
	}
	return strings.ToValidUTF8(s, "")
}

// check answers one CFE: received before with the same content, the first answer again.
func (s *Server) check(xml, rut string, cert *x509.Certificate, now time.Time) (record, error) {
	doc := etree.NewDocument()
	_ = doc.ReadFromString(xml)
	t := func(path string) string {
		if e := doc.FindElement(path); e != nil {
			return strings.TrimSpace(e.Text())
		}
		return ""
	}
	sum := sha256.Sum256([]byte(xml))
	rec := record{Key: strings.Join([]string{t("//Emisor/RUCEmisor"), t("//IdDoc/TipoCFE"), t("//IdDoc/Serie"), t("//IdDoc/Nro")}, "-"),
		Digest: hex.EncodeToString(sum[:]), State: cfe.AckReceived, At: now,
		Tipo: t("//IdDoc/TipoCFE"), Serie: t("//IdDoc/Serie"), Nro: t("//IdDoc/Nro"), Fecha: t("//IdDoc/FchEmis"), TmstFirma: t("//TmstFirma")}
	if why, ok := s.refuse[rec.Key]; ok {
		return reject(rec, why, "refused as the sandbox was told to"), nil
	}
	if prev, ok := s.received[rec.Key]; ok {
		if prev.Digest == rec.Digest {
			prev.At = now
			return prev, nil
		}
		if !s.Shared {
			return reject(rec, reasons["E03"], "received before with other content, on "+prev.At.Format(time.RFC3339)), nil
		}
	}
	var nro, from, to int64
	fmt.Sscan(t("//IdDoc/Nro"), &nro)
	fmt.Sscan(t("//CAEData/DNro"), &from)
	fmt.Sscan(t("//CAEData/HNro"), &to)
	verified := cfe.Verify(xml, cert)
	switch {
	case verified != nil:
		rec = reject(rec, reasons["E05"], verified.Error())
	case t("//Emisor/RUCEmisor") != rut:
		rec = reject(rec, reasons["E08"], "the CFE's RUCEmisor is not the envelope's")
	case nro < from || nro > to:
		rec = reject(rec, reasons["E04"], fmt.Sprintf("number %d is outside its CAE's range %d-%d", nro, from, to))
	case len(doc.FindElements("//Detalle/Item")) == 0:
		rec = reject(rec, reasons["E02"], "no line")
	}
	if rec.State == cfe.AckReceived {
		// Only what is received is kept: a rejected CFE may be corrected and sent again.
		if err := appendJSON(s.log, rec); err != nil {
			return rec, err
		}
		s.received[rec.Key] = rec
	}
	return rec, nil
}

func reject(r record, why [2]string, detail string) record {
	r.State, r.Motivo, r.Glosa, r.Detail = cfe.AckRejected, why[0], why[1], clip(detail)
	return r
}

// ackSobre writes and signs the ACKSobre.
func (s *Server) ackSobre(ctx context.Context, x sending, n int) (string, error) {
	root := ackRoot("ACKSobre")
	c := root.CreateElement("Caratula")
	el(c, "RUCReceptor", cfe.DGIRUT)
	el(c, "RUCEmisor", orZeros(x.RUT))
	el(c, "IDRespuesta", fmt.Sprint(x.ID))
	el(c, "NomArch", x.File)
	el(c, "FecHRecibido", x.At.Format(time.RFC3339))
	el(c, "IDEmisor", fmt.Sprint(x.EmitterID))
	el(c, "IDReceptor", fmt.Sprint(x.ID))
	el(c, "CantidadCFE", fmt.Sprint(min(max(n, 0), 250)))
	el(c, "Tmst", s.Now().Format(time.RFC3339))
	d := root.CreateElement("Detalle")
	el(d, "Estado", x.State)
	if x.State != cfe.EnvelopeReceived {
		m := d.CreateElement("MotivosRechazo")
		el(m, "Motivo", x.Motivo)
		el(m, "Glosa", x.Glosa)
		if x.Detail != "" {
			el(m, "Detalle", x.Detail)
		}
	} else {
		p := d.CreateElement("ParamConsulta")
		el(p, "Token", x.Token)
		el(p, "Fechahora", x.AskAfter.Format(time.RFC3339))
	}
	return s.signed(ctx, root, cfe.ValidateSobreAck)
}

func orZeros(rut string) string {
	if len(rut) == 12 {
		return rut
	}
	return "000000000000"
}
