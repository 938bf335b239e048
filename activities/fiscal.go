package activities

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"billrun/internal/fiscal"
	"billrun/internal/model"
	"billrun/internal/rules"
	"billrun/internal/store"
)

// SealInvoice builds the completed invoice's fiscal document with its issuer's profile,
// signs it and stores it; fiscal status sealed. Sealing again is a no-op. A business error
// (bad key, expired certificate, customer without fiscal data) leaves the invoice
// completed and unsealed with the reason, to seal again once fixed.
//
// A batch invoice sealed now wakes its batch's publication when that waits to be told
// (Store.TellPublication), starting it if it has ended: whatever stage publication is in —
// or if it ended while this invoice was failed — stamping, printing and e-mail pick it up.
// One sealed by an earlier run (a retried or replayed step, whose wake-up may have failed
// after its mark was set), or asked to (Document.Wake), wakes it whatever the mark says.
func (a *Publication) SealInvoice(ctx context.Context, in Document) (Sealed, error) {
	id := in.InvoiceID
	var h store.FiscalHead
	var res Sealed
	earlier := false // sealed by an earlier run, which may not have woken the publication
	err := a.Store.InTx(ctx, func(tx PublicationTx) error {
		var inv fiscal.Invoice
		var err error
		h, inv, err = tx.LockFiscal(id)
		if err != nil {
			return err
		}
		if h.Status != "completed" || h.FiscalStatus != "unsealed" {
			if h.Status == "completed" && h.FiscalStatus != "unsealed" { // sealed by an earlier run
				earlier = true
				if doc, err := tx.SealedDocument(id); err == nil {
					res.FiscalNumber = a.fiscalNumber(h.Country, doc, inv.DocumentKind)
				}
			}
			return nil
		}
		if h.Cancelling { // never sealed now: its cancellation finds nothing at SAT to cancel
			return nil
		}
		if rules.GoesGlobal(h.GlobalSeries, inv.DocumentKind, inv.Customer.TaxIDKind, inv.Customer.Generic, inv.Currency, inv.Terms.MetodoPago) { // no CFDI of its own
			h.FiscalStatus = "global"
			if err := tx.MarkGlobal(id); err != nil {
				return err
			}
			return tx.Audit(h.BatchID, id, model.StepSeal, h.Attempt, "ok", "no CFDI of its own: it goes in its period's global invoice (series "+h.GlobalSeries+")")
		}
		inv.IssuedAt = a.now() // the document is issued now, whenever the invoice was completed
		if err := fiscal.CheckIssueDay(h.Country, inv.Date, inv.IssuedAt); err != nil {
			return businessf(model.StepSeal, "%s", err.Error())
		}
		p, err := profileFor(a.Fiscal, h.Country)
		if err != nil {
			return businessf(model.StepSeal, "%s", err.Error())
		}
		password, err := csdPassword(h.PasswordEnv)
		if err != nil {
			return err
		}
		doc, err := p.Seal(ctx, inv, fiscal.Credentials{CertPath: h.CertPath, KeyPath: h.KeyPath, Password: password})
		if errors.Is(err, fiscal.ErrEnvironment) {
			return err // the machine's, not the document's: retried, the invoice stays as it is
		}
		if err != nil {
			return businessf(model.StepSeal, "%s", err.Error())
		}
		h.FiscalStatus = "sealed"
		res.FiscalNumber = a.fiscalNumber(h.Country, doc, inv.DocumentKind)
		// The document, the invoice sealed and the audit row: one write.
		return tx.SaveSealedAudited(id, doc, store.AuditRow{BatchID: h.BatchID, InvoiceID: id, Step: model.StepSeal,
			Attempt: h.Attempt, Outcome: "ok", Detail: "NoCertificado " + doc.Certificate})
	})
	if err == nil && h.Status == "completed" && h.FiscalStatus != "unsealed" {
		if earlier || in.Wake {
			return res, a.wakePublication(ctx, h.BatchID)
		}
		return res, a.tellPublication(ctx, h.BatchID)
	}
	return res, a.fiscalOutcome(ctx, id, model.StepSeal, err)
}

// Sealed is a sealed document's name and number as its country's readers know it
// ("Factura A-4", "e-Factura A 0000001"): the Web UI shows it.
type Sealed struct {
	FiscalNumber string `json:"fiscal_number,omitempty"`
}

func (a *Publication) fiscalNumber(country string, doc fiscal.Document, kind string) string {
	p, err := profileFor(a.Fiscal, country)
	if err != nil {
		return ""
	}
	d := p.Describe(doc, kind)
	return strings.TrimSpace(d.Name + " " + d.Number)
}

// PrintInvoice renders the stamped invoice's PDF and stores it; fiscal status pdf.
func (a *Publication) PrintInvoice(ctx context.Context, in Document) error {
	id := in.InvoiceID
	err := a.Store.InTx(ctx, func(tx PublicationTx) error {
		h, inv, err := tx.LockFiscal(id)
		if err != nil {
			return err
		}
		if h.FiscalStatus != "stamped" {
			return nil // unsealed or sealed: nothing to print yet; pdf: printed already
		}
		doc, err := tx.SealedDocument(id)
		if err != nil {
			return err
		}
		pdf, err := a.render(store.Printable{Head: h, Invoice: inv, Doc: doc})
		if err != nil {
			return err
		}
		if err := tx.SavePDF(id, pdf); err != nil {
			return err
		}
		return tx.Audit(h.BatchID, id, model.StepPDF, h.Attempt, "ok", fmt.Sprintf("%d bytes", len(pdf)))
	})
	return a.fiscalOutcome(ctx, id, model.StepPDF, err)
}

// render prints a stamped document with its country's profile; a document that cannot be
// printed is a business error.
func (a *Publication) render(d store.Printable) ([]byte, error) {
	p, err := profileFor(a.Fiscal, d.Head.Country)
	if err != nil {
		return nil, businessf(model.StepPDF, "%s", err.Error())
	}
	pdf, err := p.Print(d.Doc, d.Invoice)
	if err != nil {
		return nil, businessf(model.StepPDF, "%s", err.Error())
	}
	return pdf, nil
}

// fiscalOutcome keeps a fiscal step's business error on the invoice (which stays completed)
// before handing it to Temporal as non-retryable; other errors retry.
func (a *Publication) fiscalOutcome(ctx context.Context, id int64, step string, err error) error {
	be := businessOf(step, err)
	if be == nil {
		return err
	}
	if rerr := a.Store.RecordFiscalError(ctx, id, step, be.Reason); rerr != nil {
		return rerr
	}
	return temporalError(step, err)
}

// csdPassword reads the key's password from the environment variable the issuer names, or
// from the file that <NAME>_FILE names (a file that cannot be read is the environment's
// error, never an empty password). It is never logged or stored.
func csdPassword(env string) ([]byte, error) {
	if p := os.Getenv(env); p != "" {
		return []byte(p), nil
	}
	file := os.Getenv(env + "_FILE")
	if file == "" {
		return nil, nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("%w: %s_FILE: the password file cannot be read: %v", fiscal.ErrEnvironment, env, err)
	}
	return []byte(strings.TrimRight(string(b), "\r\n")), nil
}
