package main

import (
	"fmt"
	"strings"

	"github.com/beevik/etree"
	"github.com/spf13/cobra"

	"billrun/internal/fiscal/cfdi"
)

// invoiceStatusCmd asks SAT about a stamped CFDI: whether it has it (Vigente, Cancelado),
// whether it is cancellable with or without its receiver's acceptance, how a cancellation
// request stands, and whether the issuer is in SAT's EFOS list.
func invoiceStatusCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "status ID",
		Short: "Ask SAT's CFDI status service about a stamped CFDI: Estado, EsCancelable, EstatusCancelacion, EFOS",
		Long: `Asks SAT's Servicio de Consulta de CFDI (SAT_STATUS_URL; the stacks point it at the sandbox
PAC, which answers for what it stamped) about a Mexican invoice, credit note or payment
receipt by its printed expression (the QR's URL: UUID, issuer and receiver RFC, total).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, xml, _, err := fiscalFiles(cmd.Context(), a, args[0])
			if err != nil {
				return err
			}
			doc := etree.NewDocument()
			if err := doc.ReadFromString(xml); err != nil || doc.Root() == nil || doc.Root().NamespaceURI() != cfdi.NS {
				return fmt.Errorf("invoice %d: its document is not a CFDI: SAT's status service answers for Mexican documents only", id)
			}
			if cfdi.UUIDOf(doc) == "" {
				return fmt.Errorf("invoice %d is not stamped: SAT knows it once the PAC has stamped it (billrun invoice restamp %d)", id, id)
			}
			expression := cfdi.VerificationURL(doc)
			s, err := a.cfg.SATStatus().Status(cmd.Context(), expression)
			if err != nil {
				return err
			}
			return a.emit(map[string]any{"invoice_id": id, "uuid": cfdi.UUIDOf(doc), "sat": s}, func() {
				fmt.Fprintf(a.out, "invoice %d  %s\n  %s\n", id, cfdi.UUIDOf(doc), s.Code)
				for _, f := range [][2]string{{"Estado", s.State}, {"EsCancelable", s.Cancellable},
					{"EstatusCancelacion", s.CancellationStatus}, {"ValidacionEFOS", s.EFOS}} {
					if strings.TrimSpace(f[1]) != "" {
						fmt.Fprintf(a.out, "  %-19s %s\n", f[0], f[1])
					}
				}
			})
		},
	}
}
