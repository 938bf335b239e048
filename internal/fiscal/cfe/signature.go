package cfe

import (
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
)

// Sign signs the CFE with an enveloped XMLDSig over the whole document (Reference URI ""):
// inclusive C14N 1.0 and RSA-SHA256, the issuer's certificate in KeyInfo — the form DGI's
// samples and xmlsec1 use. The Signature becomes the root's last child.
func Sign(doc *etree.Document, key crypto.Signer, certDER []byte) error {
	ctx, err := dsig.NewSigningContext(key, [][]byte{certDER})
	if err != nil {
		return err
	}
	ctx.Canonicalizer = dsig.MakeC14N10RecCanonicalizer()
	if err := ctx.SetSignatureMethod(dsig.RSASHA256SignatureMethod); err != nil {
		return err
	}
	root := doc.Root()
	if root == nil {
		return errors.New("no CFE to sign")
	}
	signed, err := ctx.SignEnveloped(root)
	if err != nil {
		return fmt.Errorf("signing the CFE: %w", err)
	}
	doc.SetRoot(signed)
	return nil
}

// Verify checks a stored CFE's enveloped signature with the signer's certificate (pinned:
// not the one the document carries), valid when the CFE says it was signed (TmstFirma).
func Verify(xml string, cert *x509.Certificate) error {
	doc := etree.NewDocument()
	if err := doc.ReadFromString(xml); err != nil {
		return err
	}
	if doc.Root() == nil {
		return errors.New("no CFE")
	}
	// A KeyInfo that names the certificate by issuer and serial only (DGI's own samples) says
	// nothing the pinned certificate does not: it is not signed, so it is set aside.
	if ki := doc.FindElement("//Signature/KeyInfo"); ki != nil && ki.FindElement(".//X509Certificate") == nil {
		ki.Parent().RemoveChild(ki)
	}
	ctx := dsig.NewDefaultValidationContext(&dsig.MemoryX509CertificateStore{Roots: []*x509.Certificate{cert}})
	if ts := doc.FindElement("//TmstFirma"); ts != nil {
		signedAt, err := time.Parse(time.RFC3339, ts.Text())
		if err != nil {
			return fmt.Errorf("TmstFirma: %w", err)
		}
		ctx.Clock = dsig.NewFakeClockAt(signedAt)
	}
	_, err := ctx.Validate(doc.Root())
	return err
}
