package cfdi

import (
	"embed"
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/beevik/etree"
	"github.com/shopspring/decimal"
)

// SAT's schemas, embedded: the worker checks every document it stores against them.
//
//go:embed sat/www.sat.gob.mx/sitio_internet/cfd/4/cfdv40.xsd
//go:embed sat/www.sat.gob.mx/sitio_internet/cfd/catalogos/catCFDI.xsd
//go:embed sat/www.sat.gob.mx/sitio_internet/cfd/tipoDatos/tdCFDI/tdCFDI.xsd
//go:embed sat/www.sat.gob.mx/sitio_internet/cfd/TimbreFiscalDigital/TimbreFiscalDigitalv11.xsd
//go:embed sat/www.sat.gob.mx/sitio_internet/cfd/Pagos/Pagos20.xsd
//go:embed sat/www.sat.gob.mx/sitio_internet/cfd/catalogos/Pagos/catPagos.xsd
var satSchemas embed.FS

const xsNS = "http://www.w3.org/2001/XMLSchema"

// A Schema holds the rules of an XML schema that SAT's CFDI schemas use — elements with
// their attributes and children, and simple types with their facets (pattern, enumeration,
// lengths, bounds, digits, white-space collapse) — read from the schema files themselves.
// It is what "validate against the XSD" means inside the worker, where there is no xmllint.
type Schema struct {
	ns    string
	roots map[string]*elementRule
	types map[string]*simpleType // by "{namespace}name"
}

type elementRule struct {
	attrs    map[string]attrRule
	children map[string]*elementRule
	minOccur map[string]int
	order    []string // the sequence's order of children
	any      bool     // xs:any: content of other namespaces, not checked here
}

type attrRule struct {
	required bool
	fixed    string
	t        *simpleType
}

type simpleType struct {
	name              string
	base              string // xs:string, xs:decimal, ...
	patterns          []*regexp.Regexp
	enum              map[string]bool
	length, min, max  int // -1: unset
	minIncl, maxIncl  *decimal.Decimal
	fraction, total   int // -1: unset
	collapse, replace bool
}

// schemaSet reads a schema file and those it imports from the embedded files.
type schemaSet struct {
	types map[string]*simpleType
	docs  map[string]*etree.Element // schema root by file
}

func loadSchema(file string) (*Schema, error) {
	set := &schemaSet{types: map[string]*simpleType{}, docs: map[string]*etree.Element{}}
	root, err := set.read(file)
	if err != nil {
		return nil, err
	}
	s := &Schema{ns: root.SelectAttrValue("targetNamespace", ""), roots: map[string]*elementRule{}, types: set.types}
	prefixes := namespaces(root)
	for _, el := range root.ChildElements() {
		if el.Space == "xs" && el.Tag == "element" {
			r, err := set.element(el, prefixes)
			if err != nil {
				return nil, err
			}
			s.roots[el.SelectAttrValue("name", "")] = r
		}
	}
	return s, nil
}

func (set *schemaSet) read(file string) (*etree.Element, error) {
	if r, ok := set.docs[file]; ok {
		return r, nil
	}
	raw, err := satSchemas.ReadFile(file)
	if err != nil {
		return nil, err
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(raw); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	root := doc.Root()
	set.docs[file] = root
	tns := root.SelectAttrValue("targetNamespace", "")
	for _, imp := range root.SelectElements("import") {
		if _, err := set.read(path.Join(path.Dir(file), imp.SelectAttrValue("schemaLocation", ""))); err != nil {
			return nil, err
		}
	}
	prefixes := namespaces(root)
	for _, st := range root.SelectElements("simpleType") {
		t, err := set.simpleType(st, prefixes)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		set.types["{"+tns+"}"+st.SelectAttrValue("name", "")] = t
	}
	return root, nil
}

// namespaces maps the prefixes a schema declares to their namespaces.
func namespaces(root *etree.Element) map[string]string {
	m := map[string]string{}
	for _, a := range root.Attr {
		if a.Space == "xmlns" {
			m[a.Key] = a.Value
		}
	}
	return m
}

func (set *schemaSet) typeRef(ref string, prefixes map[string]string) (*simpleType, error) {
	prefix, name, ok := strings.Cut(ref, ":")
	if !ok {
		return nil, fmt.Errorf("type %q has no prefix", ref)
	}
	if prefixes[prefix] == xsNS {
		return &simpleType{name: ref, base: ref, length: -1, min: -1, max: -1, fraction: -1, total: -1}, nil
	}
	t, ok := set.types["{"+prefixes[prefix]+"}"+name]
	if !ok {
		return nil, fmt.Errorf("unknown type %q", ref)
	}
	return t, nil
}

func (set *schemaSet) simpleType(st *etree.Element, prefixes map[string]string) (*simpleType, error) {
	r := st.SelectElement("restriction")
	if r == nil {
		return nil, fmt.Errorf("simple type %q: only restrictions are read", st.SelectAttrValue("name", ""))
	}
	base, err := set.typeRef(r.SelectAttrValue("base", ""), prefixes)
	if err != nil {
		return nil, err
	}
	t := *base // a restriction of a named type keeps its facets and adds its own
	t.name, t.patterns, t.enum = st.SelectAttrValue("name", base.name), append([]*regexp.Regexp(nil), base.patterns...), nil
	for _, f := range r.ChildElements() {
		v := f.SelectAttrValue("value", "")
		switch f.Tag {
		case "pattern":
			re, err := regexp.Compile("^(?:" + v + ")$")
			if err != nil {
				return nil, fmt.Errorf("pattern %q: %w", v, err)
			}
			t.patterns = append(t.patterns, re)
		case "enumeration":
			if t.enum == nil {
				t.enum = map[string]bool{}
			}
			t.enum[v] = true
		case "length", "minLength", "maxLength", "fractionDigits", "totalDigits":
			n, err := strconv.Atoi(v)
			if err != nil {
				return nil, fmt.Errorf("%s %q: %w", f.Tag, v, err)
			}
			switch f.Tag {
			case "length":
				t.length = n
			case "minLength":
				t.min = n
			case "maxLength":
				t.max = n
			case "fractionDigits":
				t.fraction = n
			case "totalDigits":
				t.total = n
			}
		case "minInclusive", "maxInclusive":
			d, err := decimal.NewFromString(v)
			if err != nil {
				return nil, fmt.Errorf("%s %q: %w", f.Tag, v, err)
			}
			if f.Tag == "minInclusive" {
				t.minIncl = &d
			} else {
				t.maxIncl = &d
			}
		case "whiteSpace":
			t.collapse, t.replace = v == "collapse", v == "replace"
		}
	}
	if t.enum == nil {
		t.enum = base.enum
	}
	return &t, nil
}

func (set *schemaSet) element(el *etree.Element, prefixes map[string]string) (*elementRule, error) {
	r := &elementRule{attrs: map[string]attrRule{}, children: map[string]*elementRule{}, minOccur: map[string]int{}}
	ct := el.SelectElement("complexType")
	if ct == nil {
		return r, nil
	}
	for _, a := range ct.SelectElements("attribute") {
		ar := attrRule{required: a.SelectAttrValue("use", "") == "required", fixed: a.SelectAttrValue("fixed", "")}
		var err error
		switch {
		case a.SelectAttr("type") != nil:
			ar.t, err = set.typeRef(a.SelectAttrValue("type", ""), prefixes)
		case a.SelectElement("simpleType") != nil:
			ar.t, err = set.simpleType(a.SelectElement("simpleType"), prefixes)
		default:
			ar.t = &simpleType{name: "xs:string", base: "xs:string", length: -1, min: -1, max: -1, fraction: -1, total: -1}
		}
		if err != nil {
			return nil, fmt.Errorf("attribute %s: %w", a.SelectAttrValue("name", ""), err)
		}
		r.attrs[a.SelectAttrValue("name", "")] = ar
	}
	if seq := ct.SelectElement("sequence"); seq != nil {
		for _, c := range seq.ChildElements() {
			switch c.Tag {
			case "element":
				name := c.SelectAttrValue("name", "")
				cr, err := set.element(c, prefixes)
				if err != nil {
					return nil, fmt.Errorf("%s/%w", name, err)
				}
				r.children[name], r.order = cr, append(r.order, name)
				r.minOccur[name] = 1
				if m := c.SelectAttrValue("minOccurs", "1"); m != "1" {
					r.minOccur[name], _ = strconv.Atoi(m)
				}
			case "any":
				r.any = true
			}
		}
	}
	return r, nil
}

// check is one value against its simple type; it answers what is wrong, or "".
func (t *simpleType) check(v string) string {
	if t.collapse {
		v = NormalizeSpace(v)
	}
	n := len([]rune(v))
	switch {
	case t.length >= 0 && n != t.length:
		return fmt.Sprintf("has %d characters, %d wanted", n, t.length)
	case t.min >= 0 && n < t.min:
		return fmt.Sprintf("has %d characters, at least %d wanted", n, t.min)
	case t.max >= 0 && n > t.max:
		return fmt.Sprintf("has %d characters, at most %d allowed", n, t.max)
	case t.enum != nil && !t.enum[v]:
		return fmt.Sprintf("is not in SAT's catalog %s", t.name)
	}
	for _, p := range t.patterns {
		if !p.MatchString(v) {
			return fmt.Sprintf("does not match %s's pattern %s", t.name, strings.TrimSuffix(strings.TrimPrefix(p.String(), "^(?:"), ")$"))
		}
	}
	switch t.base {
	case "xs:decimal", "xs:short", "xs:int", "xs:integer":
		if !xsDecimal.MatchString(v) {
			return "is not a decimal number"
		}
		if t.base != "xs:decimal" && strings.Contains(v, ".") {
			return "is not a whole number"
		}
		d, _ := decimal.NewFromString(v)
		if t.base == "xs:short" && (d.LessThan(decimal.NewFromInt(-32768)) || d.GreaterThan(decimal.NewFromInt(32767))) {
			return "is outside a short's range"
		}
		if t.minIncl != nil && d.LessThan(*t.minIncl) {
			return fmt.Sprintf("is less than %s", t.minIncl)
		}
		if t.maxIncl != nil && d.GreaterThan(*t.maxIncl) {
			return fmt.Sprintf("is more than %s", t.maxIncl)
		}
		whole, frac, _ := strings.Cut(strings.TrimLeft(v, "+-"), ".")
		if t.fraction >= 0 && len(frac) > t.fraction {
			return fmt.Sprintf("has %d decimals, at most %d allowed", len(frac), t.fraction)
		}
		if t.total >= 0 && len(strings.TrimLeft(whole, "0"))+len(strings.TrimRight(frac, "0")) > t.total {
			return fmt.Sprintf("has more than %d digits", t.total)
		}
	}
	return ""
}

var xsDecimal = regexp.MustCompile(`^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$`)

// Validate checks an element of the schema's namespace and everything under it in that
// namespace: attributes declared, required ones present, values of their types, children
// declared, in order and as many as required. It answers every problem found.
func (s *Schema) Validate(el *etree.Element) []string {
	r, ok := s.roots[el.Tag]
	if !ok || el.NamespaceURI() != s.ns {
		return []string{fmt.Sprintf("%s is not an element of %s", el.Tag, s.ns)}
	}
	var probs []string
	s.validate(el, r, el.Tag, &probs)
	return probs
}

func (s *Schema) validate(el *etree.Element, r *elementRule, at string, probs *[]string) {
	add := func(f string, a ...any) { *probs = append(*probs, at+fmt.Sprintf(f, a...)) }
	seen := map[string]bool{}
	for _, a := range el.Attr {
		if a.Space == "xmlns" || a.Key == "xmlns" || a.Space == "xsi" {
			continue
		}
		ar, ok := r.attrs[a.Key]
		if !ok || a.Space != "" {
			add("@%s: not an attribute of %s", a.Key, el.Tag)
			continue
		}
		seen[a.Key] = true
		switch {
		case ar.fixed != "" && a.Value != ar.fixed:
			add("@%s: %q is not %q", a.Key, a.Value, ar.fixed)
		case ar.t != nil:
			if why := ar.t.check(a.Value); why != "" {
				add("@%s: %q %s", a.Key, clip(a.Value), why)
			}
		}
	}
	for name, ar := range r.attrs {
		if ar.required && !seen[name] {
			add("@%s: required", name)
		}
	}
	count, pos := map[string]int{}, 0
	for _, c := range el.ChildElements() {
		cr, ok := r.children[c.Tag]
		if !ok || c.NamespaceURI() != s.ns {
			if !r.any {
				add("/%s: not an element of %s", c.Tag, el.Tag)
			}
			continue
		}
		for pos < len(r.order) && r.order[pos] != c.Tag {
			pos++
		}
		if pos == len(r.order) {
			add("/%s: out of the schema's order", c.Tag)
		}
		count[c.Tag]++
		s.validate(c, cr, at+"/"+c.Tag, probs)
	}
	for _, name := range r.order {
		if count[name] < r.minOccur[name] {
			add("/%s: required", name)
		}
	}
}

func clip(s string) string {
	if r := []rune(s); len(r) > 60 {
		return string(r[:60]) + "…"
	}
	return s
}

// Catalog is one of SAT's catalogs (c_RegimenFiscal, c_UsoCFDI, c_FormaPago, ...) from the
// catalog schema: whether code is in it. ok is false for a catalog the schema does not
// enumerate (the stand-in leaves ClaveProdServ, CodigoPostal and Colonia open).
func Catalog(name, code string) (in, ok bool) {
	t := cfdiSchema.types["{http://www.sat.gob.mx/sitio_internet/cfd/catalogos}"+name]
	if t == nil || t.enum == nil {
		return false, false
	}
	return t.enum[NormalizeSpace(code)], true
}

var (
	cfdiSchema = mustSchema("sat/www.sat.gob.mx/sitio_internet/cfd/4/cfdv40.xsd")
	tfdSchema  = mustSchema("sat/www.sat.gob.mx/sitio_internet/cfd/TimbreFiscalDigital/TimbreFiscalDigitalv11.xsd")
	pagoSchema = mustSchema("sat/www.sat.gob.mx/sitio_internet/cfd/Pagos/Pagos20.xsd")
)

func mustSchema(file string) *Schema {
	s, err := loadSchema(file)
	if err != nil {
		panic("cfdi: SAT's schema " + file + ": " + err.Error())
	}
	return s
}
