package fiscal

import (
	"net/url"
	"strings"
	"unicode/utf8"
)

// answerLimit is how much of an authority's or PAC's answer an error keeps: enough to
// read, never a whole document in a workflow's history.
const answerLimit = 300

// Clip keeps at most answerLimit bytes of an answer copied into an error, cut on a
// character boundary.
func Clip(s string) string {
	s = strings.TrimSpace(s)
	if len(s) <= answerLimit {
		return s
	}
	cut := answerLimit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// Endpoint is a URL as an error may show it: scheme, host and path, never its user,
// password or query (where credentials and tokens travel).
func Endpoint(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(an unreadable URL)"
	}
	u.User, u.RawQuery, u.Fragment = nil, "", ""
	return u.String()
}
