package dgisandbox

import (
	"context"
	"crypto/x509"
	"fmt"
	"time"

	"billrun/internal/fiscal/cfe"
)

// status answers a ConsultaCFE: the ACKCFE of the envelope's CFE, from its ParamConsulta's
// Fechahora on; before, an empty ACKCFE (DGI has not processed the envelope yet). Only the
// issuer that sent it may ask, with its token.
func (s *Server) status(ctx context.Context, signer *x509.Certificate, consulta string) (string, error) {
	id, token, err := cfe.ReadConsulta(consulta)
	if err != nil {
		return "", err
	}
	x, ok := s.sendings[id]
	if !ok || x.Kind != "envelope" || x.Token != token || x.State != cfe.EnvelopeReceived {
		return "", fmt.Errorf("no envelope %d received with that token", id)
	}
	if rucOf(signer) != x.RUT {
		return "", fmt.Errorf("envelope %d is RUC %s's; the request is signed by RUC %s", id, x.RUT, rucOf(signer))
	}
	if s.Now().Before(x.AskAfter) {
		return `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<ACKCFE xmlns="` + cfe.NS + `" version="1.0"/>` + "\n", nil
	}
	return s.ackCFE(ctx, x)
}

// ackCFE writes and signs the ACKCFE of an envelope's CFE.
func (s *Server) ackCFE(ctx context.Context, x sending) (string, error) {
	root := ackRoot("ACKCFE")
	accepted := 0
	for _, a := range x.Answers {
		if a.State == cfe.AckReceived {
			accepted++
		}
	}
	c := root.CreateElement("Caratula")
	el(c, "RUCReceptor", cfe.DGIRUT)
	el(c, "RUCEmisor", x.RUT)
	el(c, "IDRespuesta", fmt.Sprint(x.ID))
	el(c, "NomArch", x.File)
	el(c, "FecHRecibido", x.At.Format(time.RFC3339))
	el(c, "IDEmisor", fmt.Sprint(x.EmitterID))
	el(c, "IDReceptor", fmt.Sprint(x.ID))
	el(c, "CantenSobre", fmt.Sprint(len(x.Answers)))
	el(c, "CantResponden", fmt.Sprint(len(x.Answers)))
	el(c, "CantCFEAceptados", fmt.Sprint(accepted))
	el(c, "CantCFERechazados", fmt.Sprint(len(x.Answers)-accepted))
	el(c, "Tmst", s.Now().Format(time.RFC3339))
	for i, a := range x.Answers {
		d := root.CreateElement("ACKCFE_Det")
		el(d, "Nro_ordinal", fmt.Sprint(i+1))
		for _, f := range [][2]string{{"TipoCFE", a.Tipo}, {"Serie", a.Serie}, {"NroCFE", a.Nro}, {"FechaCFE", a.Fecha}, {"TmstCFE", a.TmstFirma}} {
			if a.State == cfe.AckReceived || f[1] != "" { // what a CFE too broken to read lacks is left out
				el(d, f[0], f[1])
			}
		}
		el(d, "Estado", a.State)
		if a.State == cfe.AckRejected {
			m := d.CreateElement("MotivosRechazoCF")
			el(m, "Motivo", a.Motivo)
			el(m, "Glosa", a.Glosa)
			if a.Detail != "" {
				el(m, "Detalle", a.Detail)
			}
		}
	}
	return s.signed(ctx, root, cfe.ValidateAck)
}
