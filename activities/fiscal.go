package activities

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
	_ "time/tzdata" // CFDI dates are local to Mexico City wherever the worker runs

	"github.com/beevik/etree"
	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"billrun/activities/cfdi"
	"billrun/activities/printout"
)

// Fiscal steps, as recorded in fiscal_error and the audit trail.
const (
	StepSeal    = "sealing"
	StepPDF     = "pdf"
	StepDeliver = "delivery"
)

// Generic receivers of SAT (público en general, extranjero).
const (
	rfcGeneric = "XAXX010101000"
	rfcForeign = "XEXX010101000"
)

var mexicoCity = mustLocation("America/Mexico_City")

func mustLocation(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// fiscalData is an invoice as its CFDI and printout need it.
type fiscalData struct {
	ID            int64
	BatchID       string
	Status        string
	FiscalStatus  string
	Doc           cfdi.Invoice
	CustomerEmail string
	CustomerName  string
	CustomerCode  string
	IssuerEmail   string
	CertPath      string
	KeyPath       string
	PasswordEnv   string
	Total         decimal.Decimal
	VAT           decimal.Decimal
	Excise        decimal.Decimal
	VATWithheld   decimal.Decimal
	ISRWithheld   decimal.Decimal
}

func loadFiscal(ctx context.Context, tx pgx.Tx, id int64) (fiscalData, error) {
	var f fiscalData
	var number *int64
	var date time.Time
	var completedAt *time.Time
	var taxIDKind, taxID, regime, postal, use, termsKind, docKind string
	var days int
	var generic bool
	d := &f.Doc
	err := tx.QueryRow(ctx, `
		select v.id, v.batch_id, v.status, v.fiscal_status, v.series, v.number, v.invoice_date, v.completed_at, v.currency, v.rate,
		       cur.decimals, v.document_kind, v.amount, v.discount, v.total, v.vat, v.excise, v.vat_withheld, v.isr_withheld,
		       t.kind, t.days, t.forma_pago, t.metodo_pago,
		       i.rfc, i.name, i.fiscal_regime, i.postal_code, i.email, i.csd_certificate, i.csd_key, i.csd_password_env,
		       c.code, c.name, c.tax_id, c.tax_id_kind, c.fiscal_regime, c.postal_code, c.cfdi_use, c.email, c.is_generic
		from invoices v join currencies cur on cur.code = v.currency join payment_terms t on t.code = v.payment_terms
		join issuers i on i.code = v.issuer join customers c on c.code = v.customer
		where v.id = $1 for update of v`, id).
		Scan(&f.ID, &f.BatchID, &f.Status, &f.FiscalStatus, &d.Serie, &number, &date, &completedAt, &d.Moneda, &d.TipoCambio,
			&d.Decimals, &docKind, &d.SubTotal, &d.Descuento, &d.Total, &f.VAT, &f.Excise, &f.VATWithheld, &f.ISRWithheld,
			&termsKind, &days, &d.FormaPago, &d.MetodoPago,
			&d.Emisor.Rfc, &d.Emisor.Nombre, &d.Emisor.RegimenFiscal, &d.LugarExpedicion, &f.IssuerEmail, &f.CertPath, &f.KeyPath, &f.PasswordEnv,
			&f.CustomerCode, &f.CustomerName, &taxID, &taxIDKind, &regime, &postal, &use, &f.CustomerEmail, &generic)
	if errors.Is(err, pgx.ErrNoRows) {
		return f, fmt.Errorf("invoice %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return f, err
	}
	f.Total = d.Total
	if number != nil {
		d.Folio = *number
	}
	// Fecha: the invoice date at the time of day it was completed, in Mexico City.
	at := time.Now()
	if completedAt != nil {
		at = *completedAt
	}
	local := at.In(mexicoCity)
	d.Fecha = time.Date(date.Year(), date.Month(), date.Day(), local.Hour(), local.Minute(), local.Second(), 0, mexicoCity)
	d.TipoDeComprobante = "I"
	if termsKind == "credit" {
		d.CondicionesDePago = fmt.Sprintf("Crédito a %d días", days)
	}
	switch {
	case generic || taxIDKind == "generic" || taxIDKind == "national_id":
		// Seed 000/004: no tax registration → the generic public RFC and a global-invoice node.
		d.Receptor = cfdi.Receptor{Rfc: rfcGeneric, Nombre: "PUBLICO EN GENERAL", DomicilioFiscal: d.LugarExpedicion, RegimenFiscal: "616", UsoCFDI: "S01"}
		d.Global = &cfdi.InformacionGlobal{Periodicidad: "01", Meses: fmt.Sprintf("%02d", int(date.Month())), Año: fmt.Sprint(date.Year())}
	case taxIDKind == "foreign":
		d.Receptor = cfdi.Receptor{Rfc: rfcForeign, Nombre: strings.ToUpper(f.CustomerName), DomicilioFiscal: d.LugarExpedicion, RegimenFiscal: "616", UsoCFDI: "S01"}
	default:
		var missing []string
		if regime == "" {
			missing = append(missing, "fiscal regime")
		}
		if postal == "" {
			missing = append(missing, "postal code")
		}
		if taxID == "" {
			missing = append(missing, "tax id")
		}
		if len(missing) > 0 {
			return f, businessf(StepSeal, "customer %s has no %s", f.CustomerCode, strings.Join(missing, " and no "))
		}
		d.Receptor = cfdi.Receptor{Rfc: taxID, Nombre: f.CustomerName, DomicilioFiscal: postal, RegimenFiscal: regime, UsoCFDI: use}
	}

	rows, err := tx.Query(ctx, `
		select l.item, l.description, l.quantity, l.unit_price, l.amount, l.discount, l.subtotal,
		       l.vat_rate, l.vat, l.excise_rate, l.excise, l.vat_withholding_rate, l.vat_withheld, l.isr_withholding_rate, l.isr_withheld,
		       i.product_code, i.unit_code, i.unit_name
		from invoice_lines l join items i on i.code = l.item where l.invoice_id = $1 order by l.line_no`, id)
	if err != nil {
		return f, err
	}
	defer rows.Close()
	hundred := decimal.NewFromInt(100)
	for rows.Next() {
		var c cfdi.Concepto
		var sub, vatRate, vat, exRate, ex, vwRate, vw, isrRate, isr decimal.Decimal
		if err := rows.Scan(&c.NoIdentificacion, &c.Descripcion, &c.Cantidad, &c.ValorUnitario, &c.Importe, &c.Descuento, &sub,
			&vatRate, &vat, &exRate, &ex, &vwRate, &vw, &isrRate, &isr, &c.ClaveProdServ, &c.ClaveUnidad, &c.Unidad); err != nil {
			return f, err
		}
		c.Cantidad = c.Cantidad.Truncate(4)
		c.ValorUnitario = c.ValorUnitario.Truncate(6)
		c.Traslados = append(c.Traslados, cfdi.Tax{Impuesto: cfdi.IVA, Base: sub, Rate: vatRate.Div(hundred), Importe: vat})
		if exRate.IsPositive() {
			c.Traslados = append(c.Traslados, cfdi.Tax{Impuesto: cfdi.IEPS, Base: sub, Rate: exRate.Div(hundred), Importe: ex})
		}
		if vwRate.IsPositive() {
			c.Retenciones = append(c.Retenciones, cfdi.Tax{Impuesto: cfdi.IVA, Base: sub, Rate: vwRate.Div(hundred), Importe: vw})
		}
		if isrRate.IsPositive() {
			c.Retenciones = append(c.Retenciones, cfdi.Tax{Impuesto: cfdi.ISR, Base: sub, Rate: isrRate.Div(hundred), Importe: isr})
		}
		d.Conceptos = append(d.Conceptos, c)
	}
	return f, rows.Err()
}

// csdPassword reads the key's password from the environment variable the issuer names, or
// from the file that <NAME>_FILE names. It is never logged or stored.
func csdPassword(env string) []byte {
	if p := os.Getenv(env); p != "" {
		return []byte(p)
	}
	if file := os.Getenv(env + "_FILE"); file != "" {
		if b, err := os.ReadFile(file); err == nil {
			return []byte(strings.TrimRight(string(b), "\r\n"))
		}
	}
	return nil
}

// recordFiscalError keeps why a fiscal step failed, on the invoice and in the audit trail.
func (a *Activities) recordFiscalError(ctx context.Context, id int64, step string, cause error) error {
	var be *BusinessError
	if !errors.As(cause, &be) {
		return cause
	}
	err := inTx(ctx, a.DB, func(tx pgx.Tx) error {
		var batch string
		if err := tx.QueryRow(ctx, `update invoices set fiscal_error = $2 where id = $1 returning batch_id`, id, step+": "+be.Reason).Scan(&batch); err != nil {
			return err
		}
		return audit(ctx, tx, batch, id, step, 0, "failed", be.Reason)
	})
	if err != nil {
		return err
	}
	return temporalError(cause)
}

// SealInvoice builds the completed invoice's CFDI 4.0, seals it with the issuer's CSD and
// stores it; fiscal status sealed. Sealing again is a no-op. A business error (bad key,
// expired certificate, customer without fiscal data) leaves the invoice completed and
// unsealed with the reason, to seal again once fixed.
func (a *Activities) SealInvoice(ctx context.Context, id int64) error {
	err := inTx(ctx, a.DB, func(tx pgx.Tx) error {
		f, err := loadFiscal(ctx, tx, id)
		if err != nil {
			return err
		}
		if f.Status != "completed" || f.FiscalStatus != "unsealed" {
			return nil
		}
		if f.CertPath == "" {
			return businessf(StepSeal, "issuer %s has no CSD certificate and key configured", f.Doc.Emisor.Rfc)
		}
		csd, err := cfdi.LoadCSD(f.CertPath, f.KeyPath, csdPassword(f.PasswordEnv))
		if err != nil {
			return businessf(StepSeal, "%s", err.Error())
		}
		if err := csd.ValidAt(f.Doc.Fecha); err != nil {
			return businessf(StepSeal, "%s", err.Error())
		}
		doc := cfdi.Build(f.Doc)
		if _, err := cfdi.Seal(doc, csd); err != nil {
			return businessf(StepSeal, "%s", err.Error())
		}
		xml, err := doc.WriteToString()
		if err != nil {
			return err
		}
		root := doc.Root()
		if _, err := tx.Exec(ctx, `insert into fiscal_documents (invoice_id, xml, no_certificado, sello, status)
			values ($1, $2, $3, $4, 'sealed') on conflict (invoice_id) do nothing`,
			id, xml, root.SelectAttrValue("NoCertificado", ""), root.SelectAttrValue("Sello", "")); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `update invoices set fiscal_status = 'sealed', fiscal_error = '' where id = $1`, id); err != nil {
			return err
		}
		return audit(ctx, tx, f.BatchID, id, StepSeal, 0, "ok", "NoCertificado "+root.SelectAttrValue("NoCertificado", ""))
	})
	if err != nil {
		return a.recordFiscalError(ctx, id, StepSeal, err)
	}
	return nil
}

// PrintInvoice renders the sealed invoice's PDF and stores it; fiscal status pdf.
func (a *Activities) PrintInvoice(ctx context.Context, id int64) error {
	err := inTx(ctx, a.DB, func(tx pgx.Tx) error {
		f, err := loadFiscal(ctx, tx, id)
		if err != nil {
			return err
		}
		if f.FiscalStatus != "sealed" {
			return nil // unsealed: nothing to print yet; pdf: printed already
		}
		var xml string
		if err := tx.QueryRow(ctx, `select xml from fiscal_documents where invoice_id = $1`, id).Scan(&xml); err != nil {
			return err
		}
		doc := etree.NewDocument()
		if err := doc.ReadFromString(xml); err != nil {
			return err
		}
		pdf, err := printout.Render(printout.FromCFDI(doc, f.CustomerName))
		if err != nil {
			return businessf(StepPDF, "%s", err.Error())
		}
		if _, err := tx.Exec(ctx, `update fiscal_documents set pdf = $2 where invoice_id = $1`, id, pdf); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `update invoices set fiscal_status = 'pdf' where id = $1`, id); err != nil {
			return err
		}
		return audit(ctx, tx, f.BatchID, id, StepPDF, 0, "ok", fmt.Sprintf("%d bytes", len(pdf)))
	})
	if err != nil {
		return a.recordFiscalError(ctx, id, StepPDF, err)
	}
	return nil
}
