-- Money after the bill run (issue 23): what must never be, the database refuses, whatever
-- the code does; every money command carries an idempotency key.

-- A return credit note's credit settled against invoices (netting) is kept on its
-- application row and updated under that row's lock: two invoices settling at once take
-- the credit one after the other, and never past it.
alter table credit_applications add column settled numeric(18, 4) not null default 0;
update credit_applications a
   set settled = coalesce((select sum(s.amount) from credit_settlements s where s.credit_note_id = a.credit_note_id), 0);
-- NOT VALID: rows an earlier release over-settled (the bug this fixes) stay for an
-- accountant to find (settled > refund_due); every new write is checked.
alter table credit_applications add constraint credit_settled_within check (settled >= 0 and settled <= refund_due) not valid;

-- A receivable's balance stays between nothing and its amount: nothing paid, settled or
-- credited past it.
alter table receivables add constraint receivable_balance_within check (balance >= 0 and balance <= amount) not valid;

-- A receivable with payments is never cancelled or reversed: the money received would be
-- lost. (A cancellation that finds a payment is refused instead.)
create function receivables_keep_payments() returns trigger language plpgsql as $$
begin
    if new.status in ('cancelled', 'reversed') and old.status not in ('cancelled', 'reversed')
       and exists (select 1 from receivable_payments p where p.receivable_id = new.id) then
        raise exception 'the receivable of invoice % has payments: it cannot be %', new.invoice_id, new.status
            using errcode = '23514';
    end if;
    return new;
end $$;
create trigger receivables_keep_payments before update of status on receivables
    for each row execute function receivables_keep_payments();

-- What credit notes took back from each invoice line, kept on the line under the
-- invoice's row lock: never more than was billed.
alter table invoice_lines
    add column credited_quantity numeric(18, 4) not null default 0,
    add column credited_total    numeric(18, 4) not null default 0;
update invoice_lines l set
    credited_quantity = coalesce((select sum(cl.quantity) from invoice_lines cl join invoices n on n.id = cl.invoice_id
                                  where cl.source_kind = 'invoice_line' and cl.source_id = l.id and n.credit_kind = 'return'), 0),
    credited_total    = coalesce((select sum(cl.total) from invoice_lines cl
                                  where cl.source_kind = 'invoice_line' and cl.source_id = l.id), 0)
 where l.source_kind <> 'invoice_line';
alter table invoice_lines
    add constraint invoice_lines_credited_within check (credited_quantity >= 0 and credited_quantity <= quantity
                                                        and credited_total >= 0 and credited_total <= total) not valid;

-- Idempotency keys: a payment, a credit note request, a cancellation request made again
-- with its key answers what the first made and writes nothing; the same key with other
-- content is refused. `request` is the content the key was first given with.
alter table receivable_payments
    add column request_key text,
    add column request     text;
create unique index receivable_payments_key on receivable_payments (request_key) where request_key is not null;

-- A credit note request's number (credit_seq) is assigned here, under the invoice's row
-- lock, never by the caller: two requests never pick the same number, a retried one finds
-- its own.
create table credit_requests (
    invoice_id  bigint not null references invoices,
    seq         int not null check (seq > 0),
    request_key text not null unique,
    request     text not null,
    created_at  timestamptz not null default now(),
    primary key (invoice_id, seq)
);
insert into credit_requests (invoice_id, seq, request_key, request)
select credit_of, credit_seq, 'before-keys-' || id, '' from invoices where credit_of is not null;

alter table cancellations
    add column request_key text,
    add column request     text;
