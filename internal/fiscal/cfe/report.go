package cfe

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/beevik/etree"
	"github.com/shopspring/decimal"
)

// The daily report (Reporte Diario, DGI's "Formato del Reporte Diario de CFE", schema
// ReporteDiarioCFE.xsd): every issuer reports each calendar day, even with no sales, per CFE
// type the documents used (issued and annulled), their number ranges, the amounts by VAT rate
// per branch, and the e-Tickets above the threshold in UI counted apart. A resend of a day
// bumps its sequence (SecEnvio).

// ReportedCFE is one CFE number used on the day, as the report counts it.
type ReportedCFE struct {
	Type     int    // 101, 102, 111, 112…
	Series   string // the CFE's series (DGI's)
	Number   int64
	Branch   string // the issuer's DGI branch code (CdgDGISucur)
	Annulled bool   // used but not issued: rejected by DGI, or voided before issue
	// The amounts in pesos (a CFE in another currency at its TpoCambio), for an issued CFE.
	Exempt, NetMinimum, NetBasic, VATMinimum, VATBasic, Total decimal.Decimal
	AboveThreshold                                            bool // an e-Ticket whose amount without VAT passes the UI threshold
}

// DailyReport is one issuer's day, as sent.
type DailyReport struct {
	RUT      string
	Day      time.Time // the day reported (its date)
	Sequence int       // 1 for the day's first sending, +1 for each resend
	SignedAt time.Time
	CFE      []ReportedCFE
}

// TypeSummary is what the report says of one CFE type.
type TypeSummary struct {
	Type                      int
	Used, Issued, Annulled    int
	AboveThreshold            int
	UsedRanges, AnnulledRange []NumberRange
}

// NumberRange is a run of consecutive numbers of one series.
type NumberRange struct {
	Series   string
	From, To int64
}

// reportZones are the report's summary elements by CFE type.
var reportZones = map[int]string{
	ETicket: "Rsmn_Tck", ETicketNotaCred: "Rsmn_Tck_Nota_Credito", 103: "Rsmn_Tck_Nota_Debito",
	ETicketCont: "Rsmn_Tck_Cont", ETicketContNotaCred: "Rsmn_Tck_Cont_Nota_Credito", ETicketContNotaDeb: "Rsmn_Tck_Cont_Nota_Debito",
	EFactura: "Rsmn_Fac", EFacturaNotaCred: "Rsmn_Fac_Nota_Credito", 113: "Rsmn_Fac_Nota_Debito",
	EFacturaCont: "Rsmn_Fac_Cont", EFacturaContNotaCred: "Rsmn_Fac_Cont_Nota_Credito", EFacturaContNotaDeb: "Rsmn_Fac_Cont_Nota_Debito",
}

// zoneOrder is the schema's order of the zones: the e-Tickets', their contingency's, then
// the e-Facturas' and theirs.
var zoneOrder = []int{101, 102, 103, 201, 202, 203, 111, 112, 113, 211, 212, 213}

// zoneRank is a type's place in zoneOrder (unknown types last, by number).
func zoneRank(t int) int {
	if i := slices.Index(zoneOrder, t); i >= 0 {
		return i
	}
	return len(zoneOrder) + t
}

// Summaries counts the day per CFE type, in type order.
func (r DailyReport) Summaries() []TypeSummary {
	byType := map[int][]ReportedCFE{}
	for _, c := range r.CFE {
		byType[c.Type] = append(byType[c.Type], c)
	}
	var out []TypeSummary
	types := slices.Collect(maps.Keys(byType))
	slices.SortFunc(types, func(a, b int) int { return zoneRank(a) - zoneRank(b) })
	for _, t := range types {
		s := TypeSummary{Type: t}
		var used, annulled []ReportedCFE
		for _, c := range byType[t] {
			s.Used++
			used = append(used, c)
			switch {
			case c.Annulled:
				s.Annulled++
				annulled = append(annulled, c)
			default:
				s.Issued++
				if c.AboveThreshold {
					s.AboveThreshold++
				}
			}
		}
		s.UsedRanges, s.AnnulledRange = ranges(used), ranges(annulled)
		out = append(out, s)
	}
	return out
}

// ranges are the numbers' runs of consecutive numbers, per series.
func ranges(cs []ReportedCFE) []NumberRange {
	cs = slices.Clone(cs)
	slices.SortFunc(cs, func(a, b ReportedCFE) int {
		if a.Series != b.Series {
			if a.Series < b.Series {
				return -1
			}
			return 1
		}
		return int(a.Number - b.Number)
	})
	var out []NumberRange
	for _, c := range cs {
		if n := len(out); n > 0 && out[n-1].Series == c.Series && (c.Number == out[n-1].To+1 || c.Number == out[n-1].To) {
			out[n-1].To = c.Number
			continue
		}
		out = append(out, NumberRange{Series: c.Series, From: c.Number, To: c.Number})
	}
	return out
}

// BuildReport writes the day's Reporte, unsigned. A type billrun does not issue is refused.
func BuildReport(r DailyReport) (*etree.Document, error) {
	if r.Sequence < 1 || r.Sequence > 99 {
		return nil, fmt.Errorf("a daily report's sequence is 1 to 99, not %d", r.Sequence)
	}
	doc := etree.NewDocument()
	doc.CreateProcInst("xml", `version="1.0" encoding="UTF-8"`)
	root := doc.CreateElement("ns0:Reporte")
	root.CreateAttr("xmlns:ns0", NS)
	sums := r.Summaries()
	total := 0
	for _, s := range sums { // DGI's CantComprobantes: the CFE used (issued and annulled) and the CFC issued
		if IsContingency(s.Type) {
			total += s.Issued
		} else {
			total += s.Used
		}
	}
	c := root.CreateElement("ns0:Caratula")
	c.CreateAttr("version", "1.0")
	field(c, "RUCEmisor", r.RUT)
	field(c, "FechaResumen", r.Day.Format(time.DateOnly))
	field(c, "SecEnvio", fmt.Sprint(r.Sequence))
	field(c, "TmstFirmaEnv", r.SignedAt.In(montevideo).Format(time.RFC3339))
	field(c, "CantComprobantes", fmt.Sprint(total))
	for _, s := range sums {
		zone, ok := reportZones[s.Type]
		if !ok {
			return nil, fmt.Errorf("CFE type %d is not one billrun reports", s.Type)
		}
		z := root.CreateElement("ns0:" + zone)
		field(z, "TipoComp", fmt.Sprint(s.Type))
		d := z.CreateElement("ns0:RsmnData")
		amounts(d, r, s.Type)
		if IsContingency(s.Type) {
			contingencyData(d, s)
			continue
		}
		field(d, "CantDocsUtil", fmt.Sprint(s.Used))
		if IsTicket(s.Type) {
			field(d, "CantDocsMay_topeUI", fmt.Sprint(s.AboveThreshold))
		}
		field(d, "CantDocsAnulados", fmt.Sprint(s.Annulled))
		field(d, "CantDocsEmi", fmt.Sprint(s.Issued))
		rangesEl(d, "RngDocsUtil", "RDU_Item", s.UsedRanges)
		rangesEl(d, "RngDocsAnulados", "RDA_Item", s.AnnulledRange)
	}
	return doc, nil
}

// contingencyData writes what DGI's schema asks of a contingency type (RsmnData_Tck_Cont,
// RsmnData_Fac_Cont): after the amounts, the e-Tickets above the UI threshold and the CFC
// issued (CantCFCEmi). The schema has no count of numbers used or annulled and no ranges
// for them: a CFC DGI rejected is left out of the count and the amounts.
func contingencyData(d *etree.Element, s TypeSummary) {
	if IsTicket(s.Type) {
		field(d, "CantDocsMay_topeUI", fmt.Sprint(s.AboveThreshold))
	}
	field(d, "CantCFCEmi", fmt.Sprint(s.Issued))
}

// amounts writes the issued CFE's amounts of a type, one item per branch.
func amounts(d *etree.Element, r DailyReport, tipo int) {
	type sum struct{ exempt, netMin, netBas, vatMin, vatBas, total decimal.Decimal }
	byBranch := map[string]*sum{}
	var branches []string
	for _, c := range r.CFE {
		if c.Type != tipo || c.Annulled {
			continue
		}
		s := byBranch[c.Branch]
		if s == nil {
			s = &sum{}
			byBranch[c.Branch] = s
			branches = append(branches, c.Branch)
		}
		s.exempt, s.netMin, s.netBas = s.exempt.Add(c.Exempt), s.netMin.Add(c.NetMinimum), s.netBas.Add(c.NetBasic)
		s.vatMin, s.vatBas, s.total = s.vatMin.Add(c.VATMinimum), s.vatBas.Add(c.VATBasic), s.total.Add(c.Total)
	}
	if len(branches) == 0 {
		return
	}
	slices.Sort(branches)
	m := d.CreateElement("ns0:Montos")
	for _, b := range branches {
		s := byBranch[b]
		it := m.CreateElement("ns0:Mnts_FyT_Item")
		field(it, "Fecha", r.Day.Format(time.DateOnly))
		field(it, "CodSuc", b)
		field(it, "TotMntNoGrv", money(s.exempt))
		field(it, "TotMntIVATasaMin", money(s.netMin))
		field(it, "TotMntIVATasaBas", money(s.netBas))
		field(it, "MntIVATasaMin", money(s.vatMin))
		field(it, "MntIVATasaBas", money(s.vatBas))
		field(it, "IVATasaMin", TasaMinima.StringFixed(3))
		field(it, "IVATasaBas", TasaBasica.StringFixed(3))
		field(it, "TotMntTotal", money(s.total))
	}
}

func rangesEl(d *etree.Element, tag, item string, rs []NumberRange) {
	if len(rs) == 0 {
		return
	}
	e := d.CreateElement("ns0:" + tag)
	for _, r := range rs {
		it := e.CreateElement("ns0:" + item)
		field(it, "Serie", r.Series)
		field(it, "NroDesde", fmt.Sprint(r.From))
		field(it, "NroHasta", fmt.Sprint(r.To))
	}
}
