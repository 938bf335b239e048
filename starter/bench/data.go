package bench

import (
	"fmt"
	"path/filepath"

	"github.com/shopspring/decimal"

	"billrun/internal/importfmt"
)

// Dataset is N orders of K lines, one invoice each, for customers with e-mail, sealed with
// SAT's test CSD from csdDir.
func Dataset(o Options, csdDir string) *importfmt.Dataset {
	vat16 := decimal.NewFromInt(16)
	d := &importfmt.Dataset{
		Currencies: []importfmt.Currency{{Code: "MXN", Decimals: 2}},
		Issuers: []importfmt.Issuer{{Code: "I", RFC: "EKU9003173C9", Name: "ESCUELA KEMPER URGATE", FiscalRegime: "601", PostalCode: "42501",
			Currency: "MXN", CSDCertificate: filepath.Join(csdDir, "EKU9003173C9.cer"), CSDKey: filepath.Join(csdDir, "EKU9003173C9.key")}},
		PaymentTerms: []importfmt.PaymentTerm{{Code: "NET30", Kind: "credit", Days: 30, MetodoPago: "PPD"}},
		Warehouses:   []importfmt.Warehouse{{Code: "W", Name: "W"}},
		Series:       []importfmt.Series{{Code: "A", Issuer: "I", DocumentKind: "invoice"}},
	}
	for i := 0; i < 50; i++ {
		d.Customers = append(d.Customers, importfmt.Customer{Code: fmt.Sprintf("C%d", i), Name: fmt.Sprintf("Cliente Ñandú %d", i),
			TaxID: "URE180429TM6", TaxIDKind: "tax_registration", FiscalRegime: "601", PostalCode: "65000", CFDIUse: "G03",
			Email: fmt.Sprintf("c%d@bench.example", i), PaymentTerms: "NET30", InvoicingMethod: "per-order"})
	}
	for k := 0; k < o.Lines; k++ {
		stocked := k%2 == 0
		it := importfmt.Item{Code: fmt.Sprintf("P%d", k), Description: fmt.Sprintf("Artículo %d", k), UnitPrice: decimal.NewFromInt(int64(10 + k)),
			VATRate: &vat16, Stocked: &stocked}
		d.Items = append(d.Items, it)
		d.Stock = append(d.Stock, importfmt.Stock{Warehouse: "W", Item: it.Code, OnHand: decimal.NewFromInt(int64(o.Invoices) * 10)})
	}
	for n := 1; n <= o.Invoices; n++ {
		ord := importfmt.Order{Number: int64(n), Customer: fmt.Sprintf("C%d", n%50), Series: "A", Warehouse: "W", Currency: "MXN", Date: "2026-11-01"}
		for k := 0; k < o.Lines; k++ {
			ord.Lines = append(ord.Lines, importfmt.OrderLine{Item: fmt.Sprintf("P%d", k), Ordered: decimal.NewFromInt(int64(1 + (n+k)%5))})
		}
		d.Orders = append(d.Orders, ord)
	}
	return d
}
