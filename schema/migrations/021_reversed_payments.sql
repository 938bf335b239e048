-- A payment whose receipt SAT cancelled is reversed (issue 25: cancelling a payment's
-- receipt cancels the payment): its amount is owed again, and it no longer counts as a
-- payment — neither for the receivable's own cancellation nor in what the customer paid.
alter table receivable_payments add column reversed_at timestamptz;

create or replace function receivables_keep_payments() returns trigger language plpgsql as $$
begin
    if new.status in ('cancelled', 'reversed') and old.status not in ('cancelled', 'reversed')
       and exists (select 1 from receivable_payments p where p.receivable_id = new.id and p.reversed_at is null) then
        raise exception 'the receivable of invoice % has payments: it cannot be %', new.invoice_id, new.status
            using errcode = '23514';
    end if;
    return new;
end $$;
