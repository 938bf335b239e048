package cfe

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/beevik/etree"

	"billrun/internal/fiscal"
)

var montevideo = fiscal.Zone("UY")

// Profile is Uruguay's fiscal profile: CFE signed with the issuer's certificate, numbered
// inside a CAE, sent to DGI, printed as DGI's printing rules say.
type Profile struct {
	// DGI receives the signed CFE and acknowledges them; nil refuses sending.
	DGI Sender
	// DGICert, when set, is the certificate every acknowledgement's signature must verify with.
	DGICert *x509.Certificate
	// Now is the clock the time DGI gave to ask again is read by (nil: the host's).
	Now func() time.Time
}

// now is the profile's clock.
func (p Profile) now() time.Time {
	if p.Now == nil {
		return time.Now()
	}
	return p.Now()
}

var _ fiscal.Profile = Profile{}

// Seal builds the invoice's CFE, signs it and checks what is stored: it verifies with the
// issuer's certificate and validates against DGI's schema.
func (Profile) Seal(ctx context.Context, inv fiscal.Invoice, cred fiscal.Credentials) (fiscal.Document, error) {
	d, err := FromInvoice(inv)
	if err != nil {
		return fiscal.Document{}, err
	}
	if cred.CertPath == "" {
		return fiscal.Document{}, fmt.Errorf("issuer %s has no signing certificate and key configured", inv.Issuer.TaxID)
	}
	cert, key, err := fiscal.LoadKeyPair(cred.CertPath, cred.KeyPath, cred.Password)
	if err != nil {
		return fiscal.Document{}, err
	}
	if d.TmstFirma.Before(cert.NotBefore) || d.TmstFirma.After(cert.NotAfter) {
		return fiscal.Document{}, fmt.Errorf("%w: certificate %X is valid from %s to %s, not on %s", fiscal.ErrCredentials, cert.SerialNumber,
			cert.NotBefore.Format(time.DateOnly), cert.NotAfter.Format(time.DateOnly), d.TmstFirma.Format(time.DateOnly))
	}
	doc, err := Build(d)
	if err != nil {
		return fiscal.Document{}, err
	}
	if err := Sign(doc, key, cert.Raw); err != nil {
		return fiscal.Document{}, err
	}
	xml, err := doc.WriteToString()
	if err != nil {
		return fiscal.Document{}, err
	}
	// What is stored is what is checked.
	if err := Verify(xml, cert); err != nil {
		return fiscal.Document{}, fmt.Errorf("the signed CFE does not verify: %w", err)
	}
	if err := Validate(ctx, xml); err != nil {
		return fiscal.Document{}, err
	}
	sig := ""
	if e := doc.FindElement("//Signature/SignatureValue"); e != nil {
		sig = strings.TrimSpace(e.Text())
	}
	return fiscal.Document{XML: xml, Certificate: fmt.Sprintf("%X", cert.SerialNumber), Signature: sig}, nil
}

// errNotCancelled is why a CFE is not cancelled.
var errNotCancelled = &fiscal.Refusal{Reason: "a CFE is not cancelled in Uruguay: correct it with a credit note (billrun invoice return or rebate)"}

// Cancellable refuses: a CFE is corrected by a credit note, never cancelled.
func (Profile) Cancellable() error { return errNotCancelled }

// Cancel refuses, as Cancellable says.
func (Profile) Cancel(context.Context, fiscal.Document, string, string, string) (fiscal.Cancellation, error) {
	return fiscal.Cancellation{}, errNotCancelled
}

// CancelStatus refuses as Cancel does.
func (p Profile) CancelStatus(ctx context.Context, doc fiscal.Document, _ string) (fiscal.Cancellation, error) {
	return p.Cancel(ctx, doc, "", "", "")
}

// Credit-note reasons as the reference states them.
var razones = map[string]string{"return": "Devolución de mercadería", "rebate": "Bonificación"}

// FromInvoice is the CFE of a completed invoice: its type and number come from its CAE;
// its VAT by the rates DGI knows (22 % basic, 10 % minimum, 0 exempt).
func FromInvoice(inv fiscal.Invoice) (Document, error) {
	a := inv.Authorization
	if a == nil {
		return Document{}, fmt.Errorf("invoice %s-%d has no CAE: its series (%s) numbers no CFE; give it a cfe_type and import its CAE", inv.Series, inv.Number, inv.Series)
	}
	d := Document{Tipo: a.DocumentType, Serie: a.Series, Nro: inv.Number, FchEmis: inv.Date, FmaPago: 1,
		TmstFirma: inv.IssuedAt.In(montevideo).Truncate(time.Second), Moneda: inv.Currency,
		CAE:    CAE{ID: a.ID, Desde: a.From, Hasta: a.To, Vence: a.Expires},
		Emisor: Emisor{RUC: inv.Issuer.TaxID, RznSoc: inv.Issuer.Name, CdgDGISucur: inv.Issuer.Branch, DomFiscal: inv.Issuer.Address, Ciudad: inv.Issuer.City, Departamento: inv.Issuer.Department}}
	if inv.Terms.Kind == "credit" {
		d.FmaPago = 2
	}
	if inv.Currency != "UYU" {
		if !inv.Rate.Equal(inv.Rate.Truncate(3)) {
			return d, fmt.Errorf("exchange rate %s of %s has more than the 3 decimals a CFE carries (TpoCambio)", inv.Rate, inv.Currency)
		}
		d.TpoCambio = inv.Rate
	}
	c := inv.Customer
	switch {
	case c.Generic || c.TaxIDKind == "generic":
		// An e-Ticket to a consumer who gives no document carries no receiver.
	case c.TaxIDKind == "tax_registration" && (c.Country == "" || c.Country == "UY"):
		d.Receptor = Receptor{TipoDoc: DocRUT, CodPais: "UY", Doc: c.TaxID, RznSoc: c.Name, Dir: c.Address, Ciudad: c.City}
	case c.TaxIDKind == "national_id" && (c.Country == "" || c.Country == "UY"):
		d.Receptor = Receptor{TipoDoc: DocCI, CodPais: "UY", Doc: c.TaxID, RznSoc: c.Name, Dir: c.Address, Ciudad: c.City}
	default:
		if c.Country == "" {
			return d, fmt.Errorf("customer %s has a foreign document but no country", c.Code)
		}
		d.Receptor = Receptor{TipoDoc: DocOtros, CodPais: c.Country, Doc: c.TaxID, RznSoc: c.Name, Dir: c.Address, Ciudad: c.City}
	}
	if IsFactura(d.Tipo) {
		if d.Receptor.TipoDoc != DocRUT {
			return d, fmt.Errorf("customer %s has no RUT: an e-Factura (%d) goes to a RUT; route its tax id kind to an e-Ticket series", c.Code, d.Tipo)
		}
		if d.Receptor.Dir == "" || d.Receptor.Ciudad == "" {
			return d, fmt.Errorf("customer %s has no address and city: an e-Factura's receiver has both (DirRecep, CiudadRecep)", c.Code)
		}
	}
	if r := inv.Corrects; r != nil {
		if r.DocumentType == 0 {
			return d, fmt.Errorf("the invoice %s-%d this credit note corrects is not a CFE", r.Series, r.Number)
		}
		d.Referencia = &Referencia{Tipo: r.DocumentType, Serie: r.AuthoritySeries, Nro: r.Number, Razon: razones[r.Kind], Fecha: r.Date}
		if r.Reason != "" {
			d.Referencia.Razon = r.Reason
		}
	}
	for _, l := range inv.Lines {
		it, err := item(l)
		if err != nil {
			return d, err
		}
		d.Items = append(d.Items, it)
	}
	if t := Totalize(d.Items); !t.Total.Equal(inv.Total) {
		return d, fmt.Errorf("the CFE's total %s differs from the invoice's %s", t.Total.StringFixed(2), inv.Total.StringFixed(2))
	}
	return d, nil
}

// item is one invoice line as a CFE line.
func item(l fiscal.Line) (Item, error) {
	it := Item{NomItem: l.Description, Cantidad: l.Quantity, PrecioUnitario: l.UnitPrice, DescuentoMonto: l.Discount,
		MontoItem: l.Subtotal, IVA: l.VAT, UniMed: "N/A"}
	switch {
	case l.VATRate.IsZero():
		it.IndFact = IndExento
	case l.VATRate.Equal(TasaMinima):
		it.IndFact = IndMinima
	case l.VATRate.Equal(TasaBasica):
		it.IndFact = IndBasica
	default:
		return it, fmt.Errorf("item %s has VAT at %s %%: a CFE carries 22 %% (basic), 10 %% (minimum) or exempt", l.Item, l.VATRate)
	}
	if !l.Excise.IsZero() || !l.VATWithheld.IsZero() || !l.ISRWithheld.IsZero() {
		return it, fmt.Errorf("item %s has excise or withholdings, which billrun's CFE does not carry", l.Item)
	}
	if !l.Quantity.Equal(l.Quantity.Truncate(3)) {
		return it, fmt.Errorf("item %s's quantity %s has more than the 3 decimals a CFE carries", l.Item, l.Quantity)
	}
	if n := len([]rune(l.Description)); n > 80 {
		return it, fmt.Errorf("item %s's description has %d characters; a CFE line's name has at most 80", l.Item, n)
	}
	if u := strings.TrimSpace(l.UnitCode); u != "" && len(u) <= 4 {
		it.UniMed = u
	}
	if l.Amount.Sub(l.Discount).Cmp(l.Subtotal) != 0 {
		return it, fmt.Errorf("item %s: amount %s less discount %s is not its subtotal %s", l.Item, l.Amount, l.Discount, l.Subtotal)
	}
	return it, nil
}

// signerName is the common name of the certificate a signed answer carries.
func signerName(doc *etree.Document) string {
	e := doc.FindElement("//Signature/KeyInfo/X509Data/X509Certificate")
	if e == nil {
		return ""
	}
	der, err := base64.StdEncoding.DecodeString(strings.TrimSpace(e.Text()))
	if err != nil {
		return ""
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return ""
	}
	return c.Subject.CommonName
}

// refusalUnlessEnvironment makes err a refusal of the document, unless the machine could
// not check it (xmllint missing): that is retried.
func refusalUnlessEnvironment(err error) error {
	if errors.Is(err, fiscal.ErrEnvironment) {
		return err
	}
	return &fiscal.Refusal{Reason: err.Error()}
}
