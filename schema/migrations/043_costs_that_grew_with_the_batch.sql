-- Three reads cost more the more invoices there were (issue 28: in a 5,000-invoice run the
-- first below took 3.6 times as long per invoice as in a 1,000 run, and the last two grow
-- with the whole journal and with the batch).
--
-- Posting a receivable asks whether the invoice's batch holds a return credit note for its
-- customer (the batch then nets it, seed 004); with no index to answer, PostgreSQL read the
-- batch's invoices (or every invoice) each time. Credit notes are few, and their batch,
-- customer and kind never change, so this index costs no invoice update anything.
create index invoices_batch_credit_notes on invoices (batch_id, customer)
    where document_kind = 'credit_note' and credit_kind = 'return';

-- The journal's balance check (042) joined the lines a statement wrote to journal_entries,
-- and the planner, not knowing how few those are, walked the whole journal's primary key
-- for every invoice completed. It now starts from the written lines' entries and reads each
-- entry and its lines by key. Same refusal, same error and message.
create or replace function journal_entries_add_up() returns trigger language plpgsql as $$
declare bad record;
begin
    select a.entry_id as id, t.d, t.c, t.td, t.tc into bad
    from (select distinct entry_id from added) a
    cross join lateral (
        select sum(l.debit) as d, sum(l.credit) as c, min(e.debit) as td, min(e.credit) as tc
        from journal_entries e join journal_lines l on l.entry_id = e.id
        where e.id = a.entry_id) t
    where t.d <> t.td or t.c <> t.tc
    limit 1;
    if found then
        raise exception 'journal entry %: its lines add to % / %, not its % / %', bad.id, bad.d, bad.c, bad.td, bad.tc using errcode = '23514';
    end if;
    return null;
end $$;

-- A publication pass lists its stage's invoices (sealed, stamped, printed and not mailed)
-- and counts what is left and done; by batch and group number alone that read the batch's
-- every invoice, for each of a large batch's hundreds of passes. Completed invoices by
-- batch, fiscal status and delivery status answer each list and count from the invoices
-- at that stage (Store.ToStamp, StampRemaining …).
create index invoices_batch_publication on invoices (batch_id, fiscal_status, delivery_status, group_no)
    where status = 'completed';
