-- The journal's balance check runs once per statement, not once per line (two queries for
-- each of an entry's lines): every entry's lines are written by the statement that writes
-- the entry, so an entry whose lines do not add up to its totals is refused as that
-- statement ends, with the same error (23514) and message as before.
drop trigger journal_lines_add_up on journal_lines;
drop function journal_lines_add_up();

create function journal_entries_add_up() returns trigger language plpgsql as $$
declare bad record;
begin
    select e.id, sum(l.debit) as d, sum(l.credit) as c, e.debit as td, e.credit as tc into bad
    from journal_entries e join journal_lines l on l.entry_id = e.id
    where e.id in (select entry_id from added)
    group by e.id
    having sum(l.debit) <> e.debit or sum(l.credit) <> e.credit
    limit 1;
    if found then
        raise exception 'journal entry %: its lines add to % / %, not its % / %', bad.id, bad.d, bad.c, bad.td, bad.tc using errcode = '23514';
    end if;
    return null;
end $$;
create trigger journal_lines_add_up after insert on journal_lines
    referencing new table as added for each statement execute function journal_entries_add_up();
