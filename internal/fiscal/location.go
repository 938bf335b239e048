package fiscal

import (
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
