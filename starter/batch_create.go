package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/spf13/cobra"

	"billrun/internal/batching"
	"billrun/internal/model"
	"billrun/internal/rules"
	"billrun/internal/store"
	"billrun/workflows"
)

// parseRange reads FROM-TO.
func parseRange(s string) (int64, int64, error) {
	from, to, ok := strings.Cut(s, "-")
	f, err1 := strconv.ParseInt(strings.TrimSpace(from), 10, 64)
	t, err2 := strconv.ParseInt(strings.TrimSpace(to), 10, 64)
	if !ok || err1 != nil || err2 != nil {
		return 0, 0, &model.InputError{Problems: []string{fmt.Sprintf("--orders: %q is not a range FROM-TO of order numbers", s)}}
	}
	return f, t, nil
}

type createFlags struct {
	window, pageSize                                    int
	id, orders, series, date, rate, grouping, customers string
	draft, dryRun, zeroPrice, full9999, negStock        bool
	wait                                                waitFlags
	settleCredits, includeAssociated                    bool
	template                                            string
	installments, plans, recurring, nonRecurring        bool
	dueUntil, partner, period                           string
	global                                              bool
	periodicity                                         string
	filter                                              filterFlags
	numberingSeries                                     string
}

func (f createFlags) params() (model.BatchParams, error) {
	p := model.BatchParams{SourceKind: model.SourceOrders, Series: f.series, InvoiceDate: f.date, Grouping: f.grouping,
		Draft: f.draft, AllowZeroPrice: f.zeroPrice, Discount9999Is100: f.full9999, AllowNegativeStock: f.negStock,
		SettleCredits: f.settleCredits}
	var probs []string
	sources := 0
	for _, on := range []bool{f.orders != "", f.installments, f.plans} {
		if on {
			sources++
		}
	}
	switch {
	case sources != 1:
		probs = append(probs, "source: give exactly one of --orders FROM-TO, --installments, --plans")
	case f.installments:
		p.SourceKind, p.DueUntil, p.Partner = model.SourceInstallments, f.dueUntil, f.partner
		if f.dueUntil == "" {
			probs = append(probs, "--due-until: required with --installments")
		}
		if f.recurring && f.nonRecurring {
			probs = append(probs, "--recurring and --non-recurring exclude each other")
		} else if f.recurring || f.nonRecurring {
			r := f.recurring
			p.Recurring = &r
		}
	case f.plans:
		p.SourceKind = model.SourcePlans
		from, to, ok := strings.Cut(f.period, "..")
		if !ok {
			probs = append(probs, fmt.Sprintf("--period: %q is not FROM..TO (dates YYYY-MM-DD)", f.period))
		}
		p.PeriodFrom, p.PeriodTo = from, to
	default:
		if from, to, err := parseRange(f.orders); err != nil {
			probs = append(probs, err.Error())
		} else {
			p.OrdersFrom, p.OrdersTo = from, to
		}
		if f.series == "" {
			probs = append(probs, "--series: required")
		}
	}
	if f.rate != "" {
		rate, err := decimal.NewFromString(f.rate)
		switch {
		case err != nil:
			probs = append(probs, fmt.Sprintf("--rate: %q is not a number", f.rate))
		case !rate.IsPositive():
			probs = append(probs, fmt.Sprintf("--rate: the exchange rate must be greater than 0, got %s", rate))
		case !rate.Equal(rate.Truncate(6)):
			probs = append(probs, fmt.Sprintf("--rate: %s has more than 6 decimals; billrun keeps 6 and does not round input", rate))
		case rate.GreaterThanOrEqual(decimal.New(1, 12)): // numeric(18, 6), as the imported exchange rates
			probs = append(probs, fmt.Sprintf("--rate: %s is beyond 10^12, the largest exchange rate billrun stores", rate))
		}
		p.Rate = rate
	}
	p.Customers, p.NumberingSeries, p.IncludeAssociated = splitList(f.customers), f.numberingSeries, f.includeAssociated
	var fprobs []string
	p.Filters, fprobs = f.filter.filters()
	probs = append(probs, fprobs...)
	if len(probs) > 0 {
		return p, &model.InputError{Problems: probs}
	}
	return p, nil
}

func batchCreateCmd(a *app) *cobra.Command {
	var f createFlags
	c := &cobra.Command{
		Use:   "create",
		Short: "Create a bill run over sales orders, contract installments or billing-plan events, and start it",
		Example: `  billrun batch create --orders 1001-1010 --series A --wait
  billrun batch create --installments --due-until 2026-11-30 --partner SOCIO --recurring --wait
  billrun batch create --plans --period 2026-11-01..2026-11-30 --grouping per-customer --wait
  billrun batch create --orders 1001-1010 --series A --draft      # price, then wait for 'batch approve'
  billrun batch create --orders 1001-1010 --series A --dry-run    # show what it would make, write nothing
  billrun batch create --global --period 2026-11 --wait           # MX: the month's tickets in one global invoice`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.global {
				return globalCreate(cmd, a, f)
			}
			ctx := cmd.Context()
			st, err := a.Store(ctx)
			if err != nil {
				return err
			}
			if err := f.fillIn(cmd, st); err != nil {
				return err
			}
			p, err := f.params()
			if err != nil {
				return err
			}
			p.Template = f.template
			if f.dryRun {
				return dryRun(ctx, a, st, p)
			}
			if f.id != "" {
				if err := workflows.ValidBatchID(f.id); err != nil {
					return &model.InputError{Problems: []string{"--id: " + err.Error()}}
				}
			}
			wc, err := a.Workflows(ctx) // before writing, so a missing Temporal leaves no orphan batch
			if err != nil {
				return err
			}
			id, err := batching.Create(ctx, st, f.id, p)
			if err != nil {
				return err
			}
			in := workflows.BatchInput{BatchID: id, Window: f.window, PageSize: f.pageSize, Timeouts: a.cfg.Timeouts}
			if err := wc.StartBatch(ctx, in, batchSummaryLine(id, p)); err != nil {
				return fmt.Errorf("batch %s is recorded but its workflow did not start (%w); start it with: billrun batch resume %s", id, err, id)
			}
			if f.wait.wait {
				return waitBatchFor(ctx, a, f.wait, id)
			}
			return a.emit(map[string]string{"batch_id": id, "workflow_id": workflows.BatchWorkflowID(wc.Installation, id), "web_ui": batchURL(a, wc, id)}, func() {
				fmt.Fprintf(a.out, "batch %s started\n  watch: billrun batch status %s\n  web ui: %s\n", id, id, batchURL(a, wc, id))
			})
		},
	}
	f.bind(c, a)
	return c
}

// bind declares batch create's flags.
func (f *createFlags) bind(c *cobra.Command, a *app) {
	fl := c.Flags()
	fl.StringVar(&f.id, "id", "", "batch id (default: next B-number); creating the same id again is a no-op")
	fl.StringVar(&f.orders, "orders", "", "bill approved sales orders numbered FROM-TO")
	fl.BoolVar(&f.installments, "installments", false, "bill contract installments in state complete")
	fl.StringVar(&f.dueUntil, "due-until", "", "with --installments: due up to this date")
	fl.StringVar(&f.partner, "partner", "", "with --installments: only this partner's contracts")
	fl.BoolVar(&f.recurring, "recurring", false, "with --installments: only recurring ones")
	fl.BoolVar(&f.nonRecurring, "non-recurring", false, "with --installments: only non-recurring ones")
	fl.BoolVar(&f.plans, "plans", false, "bill billing-plan events in state planned")
	fl.StringVar(&f.period, "period", "", "with --plans: events dated FROM..TO; with --global: a month 2026-11, a day 2026-11-05, or FROM..TO")
	fl.BoolVar(&f.global, "global", false, "MX: make the period's global invoice of the tickets sold to the general public (one CFDI with InformacionGlobal)")
	fl.StringVar(&f.periodicity, "periodicity", "", "with --global: SAT's c_Periodicidad 01 daily, 02 weekly, 03 fortnightly, 04 monthly (default for a month), 05 bimonthly")
	fl.StringVar(&f.series, "series", "", "numbering series; only its orders are billed (required with --orders; a filter otherwise)")
	fl.StringVar(&f.date, "date", "", "invoice date YYYY-MM-DD, after the series' closing date"+todayHelp)
	fl.StringVar(&f.rate, "rate", "", "exchange rate of the one foreign currency the batch bills (default: the imported exchange_rates of the invoice date)")
	fl.StringVar(&f.grouping, "grouping", "by-entity", "none | by-entity | per-customer | per-line (the customer's invoicing method may restrict it)")
	fl.StringVar(&f.customers, "customers", "", "only these customers, comma-separated: orders' customers, installments' payers, plans' customers")
	fl.BoolVar(&f.includeAssociated, "include-associated", false, "with --customers: also the customers associated with them (seed 003)")
	f.filter.bind(fl)
	fl.StringVar(&f.numberingSeries, "numbering-series", "", "number every document of the batch in this series (of the same issuer), not the document kind rule's; --series still selects")
	fl.BoolVar(&f.draft, "draft", false, "stop after pricing the drafts and wait for 'batch approve'")
	fl.BoolVar(&f.dryRun, "dry-run", false, "plan and price without writing anything; show the invoices it would make")
	fl.BoolVar(&f.zeroPrice, "allow-zero-price", false, "bill orders with zero-priced lines (else they are reported)")
	fl.BoolVar(&f.full9999, "discount-9999-is-100", false, "treat a 99.99 % discount as 100 %")
	fl.BoolVar(&f.negStock, "allow-negative-stock", false, "let stock go negative (else such invoices fail)")
	fl.StringVar(&f.template, "template", "", "a billing template: its source kinds, order range, grouping and series bound this batch (see template list)")
	fl.BoolVar(&f.settleCredits, "settle-credits", false, "settle the customers' open return credit notes against their invoices in this batch first (the report lists them)")
	fl.IntVar(&f.window, "window", a.cfg.Window, "invoice workflows running at once (BILLRUN_WINDOW)")
	fl.IntVar(&f.pageSize, "page-size", a.cfg.PageSize, "open invoices listed per page (BILLRUN_PAGE_SIZE)")
	f.wait.bind(c, "showing live progress until the batch ends and its documents are published")
}

func batchSummaryLine(id string, p model.BatchParams) string {
	switch p.SourceKind {
	case model.SourceInstallments:
		return fmt.Sprintf("Bill run %s: installments due until %s", id, p.DueUntil)
	case model.SourcePlans:
		return fmt.Sprintf("Bill run %s: plan events %s..%s", id, p.PeriodFrom, p.PeriodTo)
	}
	return fmt.Sprintf("Bill run %s: orders %d-%d, series %s", id, p.OrdersFrom, p.OrdersTo, p.Series)
}

// applyTemplate fills what the command line left unsaid from the billing template and
// refuses what would widen it.
func (f *createFlags) applyTemplate(cmd *cobra.Command, st *store.Store) error {
	t, err := st.Template(cmd.Context(), f.template)
	if err != nil {
		return err
	}
	asked := rules.BatchAsked{Grouping: f.grouping, GroupingSet: cmd.Flags().Changed("grouping"),
		Series: f.series, SeriesSet: cmd.Flags().Changed("series")}
	switch {
	case f.orders != "":
		asked.Source = model.SourceOrders
		if asked.OrdersFrom, asked.OrdersTo, err = parseRange(f.orders); err != nil {
			return err
		}
		asked.OrdersSet = true
	case f.installments:
		asked.Source = model.SourceInstallments
	case f.plans:
		asked.Source = model.SourcePlans
	case len(t.Sources) == 1:
		asked.Source = t.Sources[0] // the template's one source kind
	default:
		return &model.InputError{Problems: []string{fmt.Sprintf("source: template %s allows %s: give one of --orders, --installments, --plans", t.Name, strings.Join(t.Sources, ", "))}}
	}
	got, probs := rules.ApplyTemplate(t, asked)
	if len(probs) > 0 {
		return &model.InputError{Problems: probs}
	}
	switch got.Source {
	case model.SourceOrders:
		if !got.OrdersSet {
			return &model.InputError{Problems: []string{fmt.Sprintf("--orders: template %s has no order range: give FROM-TO", t.Name)}}
		}
		f.orders = fmt.Sprintf("%d-%d", got.OrdersFrom, got.OrdersTo)
	case model.SourceInstallments:
		f.installments = true
	case model.SourcePlans:
		f.plans = true
	}
	f.grouping, f.series = got.Grouping, got.Series
	return nil
}

// fillIn applies the template named, then dates the batch today where its series' issuer
// is (or its issuers, when it names no series) unless --date is given.
func (f *createFlags) fillIn(cmd *cobra.Command, st *store.Store) error {
	if f.template != "" {
		if err := f.applyTemplate(cmd, st); err != nil {
			return err
		}
	}
	countries, err := st.SeriesCountries(cmd.Context(), f.series)
	if err != nil {
		return err
	}
	if f.date != "" {
		return notAfterToday("--date", f.date, countries, time.Now())
	}
	f.date, err = issuerToday("--date", countries, time.Now())
	return err
}

// dryRun shows what a batch would make, writing nothing.
func dryRun(ctx context.Context, a *app, st *store.Store, p model.BatchParams) error {
	out, err := batching.DryRun(ctx, st, p)
	if err != nil {
		return err
	}
	return a.emit(out, func() { printPlan(a.out, out) })
}
