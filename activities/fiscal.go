package activities

import (
	"context"
	"fmt"
	"os"
	"strings"

	"billrun/activities/fiscal"
	"billrun/activities/model"
	"billrun/activities/store"
)

// SealInvoice builds the completed invoice's fiscal document with its issuer's profile,
// signs it and stores it; fiscal status sealed. Sealing again is a no-op. A business error
// (bad key, expired certificate, customer without fiscal data) leaves the invoice
// completed and unsealed with the reason, to seal again once fixed.
func (a *Activities) SealInvoice(ctx context.Context, id int64) error {
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		h, inv, err := tx.LockFiscal(id)
		if err != nil {
			return err
		}
		if h.Status != "completed" || h.FiscalStatus != "unsealed" {
			return nil
		}
		inv.IssuedAt = a.now() // the document is issued now, whenever the invoice was completed
		p, err := a.profile(h.Country)
		if err != nil {
			return businessf(model.StepSeal, "%s", err.Error())
		}
		doc, err := p.Seal(inv, fiscal.Credentials{CertPath: h.CertPath, KeyPath: h.KeyPath, Password: csdPassword(h.PasswordEnv)})
		if err != nil {
			return businessf(model.StepSeal, "%s", err.Error())
		}
		if err := tx.SaveSealed(id, doc); err != nil {
			return err
		}
		return tx.Audit(h.BatchID, id, model.StepSeal, h.Attempt, "ok", "NoCertificado "+doc.Certificate)
	})
	return a.fiscalOutcome(ctx, id, model.StepSeal, err)
}

// PrintInvoice renders the stamped invoice's PDF and stores it; fiscal status pdf.
func (a *Activities) PrintInvoice(ctx context.Context, id int64) error {
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
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
		p, err := a.profile(h.Country)
		if err != nil {
			return businessf(model.StepPDF, "%s", err.Error())
		}
		pdf, err := p.Print(doc, inv)
		if err != nil {
			return businessf(model.StepPDF, "%s", err.Error())
		}
		if err := tx.SavePDF(id, pdf); err != nil {
			return err
		}
		return tx.Audit(h.BatchID, id, model.StepPDF, h.Attempt, "ok", fmt.Sprintf("%d bytes", len(pdf)))
	})
	return a.fiscalOutcome(ctx, id, model.StepPDF, err)
}

// fiscalOutcome keeps a fiscal step's business error on the invoice (which stays completed)
// before handing it to Temporal as non-retryable; other errors retry.
func (a *Activities) fiscalOutcome(ctx context.Context, id int64, step string, err error) error {
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
