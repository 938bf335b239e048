package store

import "context"

// Publication is what happens to a completed invoice's sealed document after its workflow:
// stamping, printing, then e-mail. It runs a batch at a time, apart from the invoices.
//
// A pass lists and counts by the index invoices_batch_publication (migration 043):
// completed invoices by batch, fiscal status and delivery status, so it reads what is at
// its stage, not every invoice of the batch (a 20,000-invoice batch makes hundreds of
// passes); draft and processing ones by invoices_batch_open. The counts of what is done
// (for the Web UI) still read every done invoice of the batch, from the index.

// toStamp are sealed documents not stamped yet, with no fiscal error.
const toStamp = `status = 'completed' and fiscal_status = 'sealed' and fiscal_error = ''`

// stampable are those of toStamp a stamping pass takes: not being cancelled (a
// cancellation is refused while a document may be at the PAC, and a pass leaves it alone).
const stampable = toStamp + ` and not cancelling`

// toPrint are stamped documents not printed yet, with no fiscal error.
const toPrint = `status = 'completed' and fiscal_status = 'stamped' and fiscal_error = ''`

// toDeliver are printed documents whose first delivery has not been made.
const toDeliver = `status = 'completed' and fiscal_status = 'pdf' and delivery_status = 'pending'`

// unsealed are completed invoices their workflow has yet to seal (openInvoice's second half).
const unsealed = `status = 'completed' and fiscal_status = 'unsealed' and fiscal_error = ''`

// counted counts the batch's ($1) invoices that meet cond, in a subquery of its own (so the
// index serves each condition).
func counted(cond string) string {
	return `(select count(*) from invoices where batch_id = $1 and ` + cond + `)`
}

// stillOpen counts the batch's invoices whose workflow has still to do something
// (openInvoice), by the two indexes that hold them.
var stillOpen = counted(`status in ('draft', 'processing')`) + ` + ` + counted(unsealed)

// ToStamp lists up to limit of a batch's invoices waiting to be stamped.
func (s *Store) ToStamp(ctx context.Context, batchID string, limit int) ([]int64, error) {
	return s.ids(ctx, `select id from invoices where batch_id = $1 and `+stampable+` order by group_no limit $2`, batchID, limit)
}

// StampRemaining clears the mark of the batch's publication (it waits to be told of seals
// again), then counts the batch's invoices that may still need stamping (those still open
// and those sealed, not stamped), those a pass would stamp now, and those stamped. Every
// stamping pass that ends calls it, the clearing first, in a statement of its own: a seal
// committed after the count finds the mark clear and tells the publication
// (TellPublication); one committed before is counted as ready.
func (s *Store) StampRemaining(ctx context.Context, batchID string) (remaining, ready, stamped int, err error) {
	if _, err := s.pool.Exec(ctx, `update batches set publication_told = null where id = $1 and publication_told is not null`, batchID); err != nil {
		return 0, 0, 0, err
	}
	err = s.pool.QueryRow(ctx, `select `+stillOpen+` + `+counted(toStamp)+`, `+counted(stampable)+`,
		`+counted(`status = 'completed' and fiscal_status in ('stamped', 'pdf')`), batchID).Scan(&remaining, &ready, &stamped)
	return remaining, ready, stamped, err
}

// TellPublication answers whether the batch's publication waits to be told that one of its
// invoices was sealed — no seal has told it since its stamping last counted what is left
// (StampRemaining), or the last one did over a minute ago (a run that ended or stopped
// since) — and marks it told. Called after the seal commits. A mark already set costs no
// lock.
func (s *Store) TellPublication(ctx context.Context, batchID string) (bool, error) {
	tag, err := s.pool.Exec(ctx, `update batches set publication_told = now() where id = $1
		and (publication_told is null or publication_told < now() - interval '1 minute')`, batchID)
	return tag.RowsAffected() == 1, err
}

// ToPrint lists up to limit of a batch's invoices waiting to be printed.
func (s *Store) ToPrint(ctx context.Context, batchID string, limit int) ([]int64, error) {
	return s.ids(ctx, `select id from invoices where batch_id = $1 and `+toPrint+` order by group_no limit $2`, batchID, limit)
}

// ToDeliver lists up to limit of a batch's invoices waiting for their first e-mail.
func (s *Store) ToDeliver(ctx context.Context, batchID string, limit int) ([]int64, error) {
	return s.ids(ctx, `select id from invoices where batch_id = $1 and `+toDeliver+` order by group_no limit $2`, batchID, limit)
}

// PrintRemaining counts a batch's invoices that may still need printing: those still open,
// and those sealed or stamped, not printed.
func (s *Store) PrintRemaining(ctx context.Context, batchID string) (remaining, printed int, err error) {
	return s.count2(ctx, `select `+stillOpen+` + `+counted(toStamp)+` + `+counted(toPrint)+`,
		`+counted(`status = 'completed' and fiscal_status = 'pdf'`), batchID)
}

// DeliverRemaining counts a batch's invoices that may still need their first e-mail.
func (s *Store) DeliverRemaining(ctx context.Context, batchID string) (remaining, mailed int, err error) {
	return s.count2(ctx, `select `+stillOpen+` + `+counted(toStamp)+` + `+counted(toPrint)+` + `+counted(toDeliver)+`,
		`+counted(`status = 'completed' and delivery_status = 'sent'`), batchID)
}

func (s *Store) ids(ctx context.Context, sql string, args ...any) ([]int64, error) {
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// count2 reads two counts: what a stage has left, and what it has done.
func (s *Store) count2(ctx context.Context, sql string, args ...any) (int, int, error) {
	var left, done int
	err := s.pool.QueryRow(ctx, sql, args...).Scan(&left, &done)
	return left, done, err
}
