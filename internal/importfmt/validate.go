package importfmt

import (
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"billrun/internal/catalogs"
	"billrun/internal/rules"
)

// Known holds codes that already exist in the database, so a file may refer to them.
type Known struct {
	Currencies, Issuers, PaymentTerms, Customers, Items, Warehouses, Series, Contracts map[string]bool
	// Orders are the stored orders' numbers (a plan's source order).
	Orders map[string]bool
	// CashBoxes are the stored cash boxes (seed 004).
	CashBoxes map[string]bool
	// CFESeries are the series (already stored) that number CFE.
	CFESeries map[string]bool
	// CreditTerms and GenericCustomers (already stored): credit terms are refused for the
	// generic customer, whichever file brought either.
	CreditTerms, GenericCustomers map[string]bool
	// CAEs are the stored CAEs by series: a new one may not overlap them.
	CAEs map[string][]rules.CAE
	// SeriesIssuers and SeriesKinds are the stored series' issuers and document kinds;
	// OrderClasses the stored order classes' series.
	SeriesIssuers, SeriesKinds, OrderClasses map[string]string
	// ContingencySeries are the stored series of kind contingency: no source bills in them.
	ContingencySeries map[string]bool
}

// Problem is one mistake in the file: which record, which field, what is wrong.
type Problem struct {
	Record string `json:"record"`
	Field  string `json:"field"`
	Error  string `json:"error"`
}

func (p Problem) String() string { return p.Record + ": " + p.Field + ": " + p.Error }

type checker struct {
	probs []Problem
	rec   string
}

func (c *checker) add(field, format string, args ...any) {
	c.probs = append(c.probs, Problem{Record: c.rec, Field: field, Error: fmt.Sprintf(format, args...)})
}

func (c *checker) required(field, v string) {
	if strings.TrimSpace(v) == "" {
		c.add(field, "is required")
	}
}

func (c *checker) oneOf(field, v string, allowed ...string) {
	for _, a := range allowed {
		if v == a {
			return
		}
	}
	c.add(field, "%q is not one of %v", v, allowed)
}

func (c *checker) ref(field, v string, kind string, sets ...map[string]bool) {
	if v == "" {
		c.add(field, "is required")
		return
	}
	for _, s := range sets {
		if s[v] {
			return
		}
	}
	c.add(field, "unknown %s %q", kind, v)
}

func (c *checker) percent(field string, v decimal.Decimal) {
	if v.IsNegative() || v.GreaterThan(decimal.NewFromInt(100)) {
		c.add(field, "%s is outside 0..100", v)
	}
	c.decimals(field, v, 4)
}

// What billrun's columns hold: quantities numeric(18, 4), prices numeric(18, 6), rates
// numeric(7, 4). A value beyond them is refused here, never rounded or overflowed later.
var (
	maxQuantity   = decimal.New(1, 14)
	maxPrice      = decimal.New(1, 12)
	maxLineAmount = decimal.New(1, 13) // quantity × price, so taxes on it still fit 10^14
)

// decimals refuses more decimal places than the column holds: no input is rounded quietly.
func (c *checker) decimals(field string, v decimal.Decimal, places int32) {
	if !v.Equal(v.Truncate(places)) {
		c.add(field, "%s has more than %d decimals; billrun keeps %d and does not round input", v, places, places)
	}
}

func (c *checker) quantity(field string, v decimal.Decimal) {
	c.decimals(field, v, 4)
	if v.Abs().GreaterThanOrEqual(maxQuantity) {
		c.add(field, "%s is beyond 10^14, the largest quantity billrun stores", v)
	}
}

func (c *checker) price(field string, v decimal.Decimal) {
	c.decimals(field, v, 6)
	if v.Abs().GreaterThanOrEqual(maxPrice) {
		c.add(field, "%s is beyond 10^12, the largest price billrun stores", v)
	}
}

// amount refuses a line whose quantity × price is beyond what an invoice can carry.
func (c *checker) amount(field string, qty, price decimal.Decimal) {
	if a := qty.Mul(price); a.Abs().GreaterThanOrEqual(maxLineAmount) {
		c.add(field, "quantity × price = %s is beyond 10^13, the largest line amount billrun bills", a)
	}
}

func (c *checker) date(field, v string) (time.Time, bool) {
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		c.add(field, "%q is not a date (YYYY-MM-DD)", v)
		return t, false
	}
	return t, true
}

func (c *checker) unique(seen map[string]bool, field, v string) {
	if v != "" && seen[v] {
		c.add(field, "%q appears twice in the file", v)
	}
	seen[v] = true
}

var (
	// SAT's t_RFC: three letters (a company) or four (a person), a date, a homoclave.
	rfcPattern         = regexp.MustCompile(`^[A-ZÑ&]{3,4}[0-9]{2}(0[1-9]|1[012])(0[1-9]|[12][0-9]|3[01])[A-Z0-9]{2}[0-9A]$`)
	currencyPattern    = regexp.MustCompile(`^[A-Z]{3}$`)
	postalCodePattern  = regexp.MustCompile(`^[0-9]{5}$`)
	productCodePattern = regexp.MustCompile(`^[0-9]{8}$`)
	countryPattern     = regexp.MustCompile(`^[A-Z]{2}$`)
	caePattern         = regexp.MustCompile(`^[0-9]{11}$`)
	cfeSeriesPattern   = regexp.MustCompile(`^[A-Z]{1,2}$`)
)

// cfeKinds is the document kind each CFE type numbers.
var cfeKinds = map[int]string{101: "ticket", 102: "credit_note", 111: "invoice", 112: "credit_note",
	201: "contingency", 202: "contingency", 203: "contingency", 211: "contingency", 212: "contingency", 213: "contingency"}

// text refuses what a fiscal document cannot carry: characters XML cannot hold (controls
// other than tab, LF and CR; U+FFFE, U+FFFF), invalid UTF-8, the "|" that separates the
// cadena original's fields, and more characters than SAT's schema allows.
func (c *checker) text(field, v string, max int) {
	if !utf8.ValidString(v) {
		c.add(field, "is not valid UTF-8")
		return
	}
	n := 0
	for i, r := range v {
		n++
		switch {
		case r < 0x20 && r != '\t' && r != '\n' && r != '\r', r == 0xFFFE, r == 0xFFFF, r == utf8.RuneError:
			c.add(field, "has the character U+%04X at byte %d, which an XML document cannot carry", r, i)
			return
		case r == '|':
			c.add(field, "has a \"|\", which SAT's schema refuses (it separates the cadena original's fields)")
			return
		}
	}
	if n > max {
		c.add(field, "has %d characters; SAT's schema allows at most %d", n, max)
	}
}

// catalog refuses a code that is not in SAT's catalog; an empty code is left to required.
func (c *checker) catalog(field, v, name string) {
	if v == "" {
		return
	}
	if in, ok := catalogs.SAT(name, v); ok && !in {
		c.add(field, "%q is not in SAT's catalog %s", v, name)
	}
}

// email refuses what is not one plain address (a display name or a list is not one).
func (c *checker) email(field, v string) {
	if v == "" {
		return
	}
	a, err := mail.ParseAddress(v)
	if err != nil || a.Address != v || len(v) > 254 {
		c.add(field, "%q is not an e-mail address", clip(v))
	}
}

func clip(s string) string {
	if r := []rune(s); len(r) > 60 {
		return string(r[:60]) + "…"
	}
	return s
}

// Validate checks the whole dataset against itself and what the database knows, and returns
// every problem, in file order: one section after another, each making its codes known
// to the sections after it.
func Validate(d *Dataset, known Known) []Problem {
	v := &validation{checker: &checker{}, d: d, known: known,
		cur: newSet(), iss: newSet(), terms: newSet(), cust: newSet(), items: newSet(), whs: newSet(), ser: newSet(), ctr: newSet(),
		cfeSeries: newSet(), uyIssuer: newSet(), termKind: map[string]string{}, itemPrice: map[string]decimal.Decimal{}, generic: newSet(), contingency: newSet(), boxes: newSet()}
	for _, section := range []func(){v.checkCurrencies, v.checkExchangeRates, v.checkIssuers, v.checkCashBoxes, v.checkPaymentTerms, v.checkCustomers, v.checkItems, v.checkWarehouses,
		v.checkStock, v.checkSeries, v.checkCaes, v.checkCreditSeries, v.checkOrderClasses, v.checkOrders, v.checkContracts, v.checkBillingPlans, v.checkDocumentKinds, v.checkTemplates, v.checkLedgerAccounts, v.checkUIValues} {
		section()
	}
	return v.probs
}

// validation is one run of Validate: its checker, and the codes the sections have made
// known (in the file) for the sections after them to refer to.
type validation struct {
	*checker
	d                                           *Dataset
	known                                       Known
	cur, iss, terms, cust, items, whs, ser, ctr map[string]bool
	cfeSeries, uyIssuer, generic                map[string]bool
	contingency                                 map[string]bool // the file's contingency series
	boxes                                       map[string]bool // the file's cash boxes
	orders                                      map[string]bool // the file's order numbers
	termKind                                    map[string]string
	classSeries                                 map[string]string // order class → its series, stored or in the file
	itemPrice                                   map[string]decimal.Decimal
}

// newSet is a set of codes.
func newSet(codes ...string) map[string]bool {
	m := map[string]bool{}
	for _, s := range codes {
		m[s] = true
	}
	return m
}

// billedIn refuses a series of kind contingency where sources are billed or routed: its
// numbers are the paper's, recorded by billrun invoice contingency import.
func (v *validation) billedIn(field, series string) {
	if v.contingency[series] || v.known.ContingencySeries[series] {
		v.add(field, "series %s is a contingency series: its numbers are the paper's (billrun invoice contingency import), no source is billed in it", series)
	}
}
