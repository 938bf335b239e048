package fiscal

import (
	"fmt"
	"time"
	_ "time/tzdata" // a country's documents are dated in its time zone wherever the worker runs
)

// Location is a time zone every fiscal document of a country is dated in. The zone data is
// embedded, so a missing zone is a programming error.
func Location(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// Zones are the time zones issuers' documents are dated in, by country: an issuer's
// calendar (its "today", its month) is its country's, never the host's.
var zones = map[string]*time.Location{
	"MX": Location("America/Mexico_City"),
	"UY": Location("America/Montevideo"),
}

// Zone is the time zone of an issuer of country (MX when none is given).
func Zone(country string) *time.Location {
	if country == "" {
		country = "MX"
	}
	if z, ok := zones[country]; ok {
		return z
	}
	return time.UTC
}

// Today is the date (YYYY-MM-DD) at now for an issuer of country.
func Today(country string, now time.Time) string {
	return now.In(Zone(country)).Format(time.DateOnly)
}

// EarliestToday is the earliest of today's dates among issuers of countries (MX's when
// none): a document dated so is never signed before its date, whichever issues it.
func EarliestToday(countries []string, now time.Time) string {
	day := Today("", now)
	for i, c := range countries {
		if d := Today(c, now); i == 0 || d < day {
			day = d
		}
	}
	return day
}

// CheckIssueDay refuses a document that would be signed before its own date: its date is
// still to come where its issuer is (a date given for tomorrow, or the host's date ahead
// of the issuer's). A document signed on a later day than its date (sealed again after a
// fix) stands: its date is the books' and its signature says when it was issued.
func CheckIssueDay(country string, date, issuedAt time.Time) error {
	z := Zone(country)
	local := issuedAt.In(z)
	day := local.Format(time.DateOnly)
	if d := date.Format(time.DateOnly); day < d {
		return fmt.Errorf("the invoice is dated %s, but it is %s in %s: its document would be signed (%s) before its date; seal it again (billrun invoice reseal) on or after %s",
			d, local.Format("2006-01-02 15:04"), z, local.Format(time.RFC3339), d)
	}
	return nil
}
