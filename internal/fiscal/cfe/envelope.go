package cfe

import (
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/beevik/etree"
)

// DGIRUT is DGI's own RUT: the receiver of every envelope sent to it.
const DGIRUT = "214844360018"

// Envelope is an EnvioCFE (a sobre) to DGI: its cover (carátula) and the signed CFE it
// carries, each as stored, byte for byte after its XML declaration.
type Envelope struct {
	IssuerRUT string
	ID        int64 // the issuer's number for the envelope (Idemisor)
	Created   time.Time
	CertDER   []byte // the issuer's certificate, as the cover carries it
	CFE       []string
}

// XML writes the envelope. Each CFE keeps its own namespace declaration, so it verifies
// on its own once taken out of the envelope.
func (e Envelope) XML() (string, error) {
	if n := len(e.CFE); n < 1 || n > 250 {
		return "", fmt.Errorf("an envelope carries 1 to 250 CFE, not %d", n)
	}
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<DGICFE:EnvioCFE xmlns:DGICFE="` + NS + `" version="1.0"><DGICFE:Caratula version="1.0">`)
	for _, f := range [][2]string{{"RutReceptor", DGIRUT}, {"RUCEmisor", e.IssuerRUT}, {"Idemisor", fmt.Sprint(e.ID)},
		{"CantCFE", fmt.Sprint(len(e.CFE))}, {"Fecha", e.Created.Format(time.RFC3339)},
		{"X509Certificate", base64.StdEncoding.EncodeToString(e.CertDER)}} {
		b.WriteString("<DGICFE:" + f[0] + ">" + f[1] + "</DGICFE:" + f[0] + ">")
	}
	b.WriteString("</DGICFE:Caratula>")
	for _, c := range e.CFE {
		b.WriteString(withoutDeclaration(c))
	}
	b.WriteString("</DGICFE:EnvioCFE>\n")
	return b.String(), nil
}

func withoutDeclaration(xml string) string {
	s := strings.TrimSpace(xml)
	if strings.HasPrefix(s, "<?xml") {
		if i := strings.Index(s, "?>"); i >= 0 {
			s = strings.TrimSpace(s[i+2:])
		}
	}
	return s
}

// OpenEnvelope reads an envelope: its cover and each CFE as a document of its own.
func OpenEnvelope(xml string) (Envelope, error) {
	doc := etree.NewDocument()
	if err := doc.ReadFromString(xml); err != nil {
		return Envelope{}, err
	}
	root := doc.Root()
	if root == nil || root.Tag != "EnvioCFE" {
		return Envelope{}, fmt.Errorf("not an EnvioCFE")
	}
	var e Envelope
	if c := root.SelectElement("Caratula"); c != nil {
		e.IssuerRUT = text(c, "RUCEmisor")
		fmt.Sscan(text(c, "Idemisor"), &e.ID)
		e.Created, _ = time.Parse(time.RFC3339, text(c, "Fecha"))
		e.CertDER, _ = base64.StdEncoding.DecodeString(text(c, "X509Certificate"))
	}
	for _, c := range root.SelectElements("CFE") {
		one := etree.NewDocument()
		one.SetRoot(c.Copy())
		s, err := one.WriteToString()
		if err != nil {
			return e, err
		}
		e.CFE = append(e.CFE, s)
	}
	return e, nil
}

func text(e *etree.Element, tag string) string {
	if c := e.SelectElement(tag); c != nil {
		return strings.TrimSpace(c.Text())
	}
	return ""
}
