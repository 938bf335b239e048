package cfdi

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/beevik/etree"

	"billrun/internal/fiscal"
)

// Stamp has the PAC stamp a sealed CFDI and checks its answer before anything is stored:
// the stamped document must pass SAT's schemas (the CFDI's and the TFD's), keep the sealed
// document unchanged (same cadena original), carry a TFD whose SelloCFD is the document's
// Sello and, when the PAC's certificate is configured, whose SelloSAT verifies with it.
// Credentials are not needed: the PAC takes the sealed CFDI with its own user and password.
func (p Profile) Stamp(ctx context.Context, d fiscal.Document, _ fiscal.Credentials) (fiscal.Document, error) {
	if p.PAC == nil {
		return d, &fiscal.Refusal{Reason: "no PAC is configured to stamp CFDI (set PAC_URL, PAC_USER and PAC_PASSWORD)"}
	}
	st, err := p.PAC.Stamp(ctx, d.XML)
	var refusal *Refusal
	if errors.As(err, &refusal) {
		return d, &fiscal.Refusal{Reason: refusal.Error()}
	}
	if err != nil {
		return d, err
	}
	if err := p.checkStamped(d, st); err != nil {
		return d, &fiscal.Refusal{Reason: "the PAC's answer does not verify: " + err.Error()}
	}
	d.XML, d.UUID, d.StampedAt, d.StampCertificate = st.CFDI, strings.ToUpper(st.UUID), st.FechaTimbrado, st.NoCertificadoSAT
	return d, nil
}

func (p Profile) checkStamped(sealed fiscal.Document, st Stamped) error {
	if err := VerifyStored(st.CFDI); err != nil {
		return err
	}
	doc, before := etree.NewDocument(), etree.NewDocument()
	if err := doc.ReadFromString(st.CFDI); err != nil {
		return err
	}
	if err := before.ReadFromString(sealed.XML); err != nil {
		return err
	}
	was, err := CadenaOriginal(before)
	if err != nil {
		return err
	}
	is, err := CadenaOriginal(doc)
	if err != nil {
		return err
	}
	if was != is || doc.Root().SelectAttrValue("Sello", "") != sealed.Signature {
		return fmt.Errorf("the stamped document is not the sealed one")
	}
	tfd := FindStamp(doc)
	if tfd == nil {
		return fmt.Errorf("it has no TimbreFiscalDigital")
	}
	if tfd.SelectAttrValue("SelloCFD", "") != sealed.Signature {
		return fmt.Errorf("the stamp's SelloCFD is not the document's Sello")
	}
	if UUIDOf(doc) == "" || UUIDOf(doc) != strings.ToUpper(st.UUID) {
		return fmt.Errorf("the stamp's UUID %q is not the answer's %q", UUIDOf(doc), st.UUID)
	}
	if p.PACCert != nil {
		return VerifyStamp(doc, p.PACCert)
	}
	return nil
}
