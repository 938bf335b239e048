package rules

import (
	"fmt"
	"regexp"
	"strings"
)

// Remedy is what an operator does about a failed step, from its recorded step and reason:
// the data to fix, with an example of the import that fixes it, and the command that takes
// the invoice on. "" when billrun knows no more than the reason says.
func Remedy(step, reason string) string {
	for _, r := range remedies {
		if r.step != step && r.step != "" {
			continue
		}
		if m := r.pattern.FindStringSubmatch(reason); m != nil {
			return r.fix(m)
		}
	}
	return ""
}

var remedies = []struct {
	step    string
	pattern *regexp.Regexp
	fix     func(m []string) string
}{
	{"stock discharge", regexp.MustCompile(`(?:no stock|not enough stock) of item ([^\s:,()]+) in warehouse ([^\s:,()]+)`), func(m []string) string {
		return fmt.Sprintf(`import the stock count of item %s in warehouse %s ({"stock": [{"warehouse": %q, "item": %q, "on_hand": 10}]}: billrun import FILE), or allow negative stock on the series; then billrun invoice retry ID`,
			m[1], m[2], m[2], m[1])
	}},
	{"pricing", regexp.MustCompile(`item ([^\s:,()]+) has no VAT rate`), func(m []string) string {
		return fmt.Sprintf(`set item %s's vat_rate ({"items": [{"code": %q, "vat_rate": 16, ...}]}: billrun import FILE); then billrun invoice retry ID`, m[1], m[1])
	}},
	{"pricing", regexp.MustCompile(`item (\S+) has (\S+ rate) (\S+), outside 0\.\.100`), func(m []string) string {
		return fmt.Sprintf(`set item %s's %s between 0 and 100 (billrun import FILE); then billrun invoice retry ID`, m[1], strings.ReplaceAll(m[2], " ", "_"))
	}},
	{"completion", regexp.MustCompile(`closing date|date of the last number issued`), func([]string) string {
		return "retry with a later date: billrun invoice retry ID --date YYYY-MM-DD (after the series' closing and last dates)"
	}},
	{"completion", regexp.MustCompile(`CAE`), func([]string) string {
		return `import a new CAE from DGI ({"caes": [{"series": ..., "cae": ..., "cfe_series": ..., "from": ..., "to": ..., "expires": ...}]}: billrun import FILE); then billrun invoice retry ID`
	}},
	{"receivable", regexp.MustCompile(`customer ([^\s:,()]+): credit terms are refused for the generic customer`), func(m []string) string {
		return fmt.Sprintf(`give customer %s cash payment terms (billrun import FILE); then billrun invoice retry ID`, m[1])
	}},
	{"sealing", regexp.MustCompile(`(?i)certificate|key|password|CSD`), func([]string) string {
		return "fix the issuer's csd_certificate, csd_key or the password variable it names (billrun import FILE, the worker's environment); then billrun invoice reseal ID"
	}},
	{"sealing", regexp.MustCompile(`signed .* before its date`), func([]string) string {
		return "seal it again on or after its date: billrun invoice reseal ID"
	}},
	{"delivery", regexp.MustCompile(`customer ([^\s:,()]+) has no e-mail address`), func(m []string) string {
		return fmt.Sprintf(`add customer %s's email ({"customers": [{"code": %q, "email": ..., ...}]}: billrun import FILE); then billrun invoice resend ID`, m[1], m[1])
	}},
	{"delivery", regexp.MustCompile(`^uncertain`), func([]string) string {
		return "check whether the customer received it; if not: billrun invoice resend ID"
	}},
	{"delivery", regexp.MustCompile(`^failed`), func([]string) string {
		return "fix the customer's e-mail address (billrun import FILE); then billrun invoice resend ID"
	}},
	{"stamping", regexp.MustCompile(`listed as annulled in the daily report`), func([]string) string {
		return "nothing brings this number back at DGI: bill the sale again with a new document"
	}},
	{"stamping", regexp.MustCompile(``), func([]string) string {
		return "fix what the authority refused, then billrun invoice restamp ID (or invoice reseal ID when the document itself must change)"
	}},
}
