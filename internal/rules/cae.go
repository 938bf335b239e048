package rules

import (
	"errors"
	"fmt"
	"time"
)

// ErrNoCAE marks an invoice no CAE can number: a business error (fix: import a new CAE,
// then retry the invoice).
var ErrNoCAE = errors.New("CAE")

// CAE is one of DGI's authorizations of a series as numbering sees it: its range, the next
// number it gives and its expiry (the last day it may be used).
type CAE struct {
	ID          int64
	Number      string // DGI's CAE number
	CFESeries   string
	First, Last int64
	Next        int64
	Expires     time.Time
}

// TakeCFENumber picks the number an invoice of the series dated date takes: the next one
// of the first CAE (in range order) that has numbers left and has not expired on that
// date. Numbers inside a CAE are gapless; a new CAE continues where its range starts.
// It answers the CAE's index in caes and the number.
func TakeCFENumber(series string, caes []CAE, date time.Time) (int, int64, error) {
	if len(caes) == 0 {
		return 0, 0, fmt.Errorf("%w: series %s has no CAE: import DGI's CAE for it, then retry", ErrNoCAE, series)
	}
	var expired *CAE
	for i := range caes {
		c := &caes[i]
		if c.Next > c.Last {
			continue
		}
		if date.After(c.Expires) {
			if expired == nil {
				expired = c
			}
			continue
		}
		return i, c.Next, nil
	}
	if expired != nil {
		return 0, 0, fmt.Errorf("%w: CAE %s of series %s (%s %d–%d) expired on %s, before the invoice date %s: import a new CAE, then retry",
			ErrNoCAE, expired.Number, series, expired.CFESeries, expired.First, expired.Last,
			expired.Expires.Format(time.DateOnly), date.Format(time.DateOnly))
	}
	last := caes[len(caes)-1]
	return 0, 0, fmt.Errorf("%w: every number of series %s's CAEs is used (the last, CAE %s, runs %s %d–%d): import a new CAE, then retry",
		ErrNoCAE, series, last.Number, last.CFESeries, last.First, last.Last)
}

// CheckCAERange refuses a CAE range that overlaps another CAE of the same series: an
// invoice's number is its CFE number, unique in its series.
func CheckCAERange(c CAE, others []CAE) error {
	for _, o := range others {
		if o.Number == c.Number {
			continue
		}
		if c.First <= o.Last && o.First <= c.Last {
			return fmt.Errorf("numbers %d–%d overlap CAE %s (%s %d–%d) of the same series; a new letter needs its own series",
				c.First, c.Last, o.Number, o.CFESeries, o.First, o.Last)
		}
	}
	return nil
}

// DraftNumbering is a draft invoice as the CAE projection sees it: its numbering series and
// date, in the order the batch runs its drafts.
type DraftNumbering struct {
	Invoice int64
	Series  string
	Date    time.Time
}

// CAEShortfalls tells which drafts no CAE could number if the batch ran now: the drafts
// take numbers in run order from copies of their series' CAEs (caes by series, in range
// order), as completion would; those left over fail with completion's reason. Series
// without CAEs (not in caes) are not projected.
func CAEShortfalls(caes map[string][]CAE, drafts []DraftNumbering) map[int64]string {
	left := map[string][]CAE{}
	for s, cs := range caes {
		left[s] = append([]CAE(nil), cs...)
	}
	out := map[int64]string{}
	for _, d := range drafts {
		cs, numbered := left[d.Series]
		if !numbered {
			continue
		}
		i, _, err := TakeCFENumber(d.Series, cs, d.Date)
		if err != nil {
			out[d.Invoice] = err.Error()
			continue
		}
		cs[i].Next++
	}
	return out
}
