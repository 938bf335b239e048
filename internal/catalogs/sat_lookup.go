package catalogs

import "strings"

//go:generate go run ./gen ../fiscal/cfdi/sat/www.sat.gob.mx/sitio_internet/cfd/catalogos/catCFDI.xsd sat.go

// SAT tells whether code is in one of SAT's catalogs (c_RegimenFiscal, c_UsoCFDI,
// c_FormaPago, …); ok is false for a catalog not kept here.
func SAT(name, code string) (in, ok bool) {
	c, ok := satCatalogs[name]
	if !ok {
		return false, false
	}
	return c[strings.Join(strings.Fields(code), " ")], true
}
