-- The accounting journal (issue 27, seed 004): every invoice, credit note, payment and
-- cancellation writes its entry — receivable, revenue by the item's account, VAT and IEPS
-- payable, withholdings, stock and cost of sales — balanced, and never deleted: a
-- cancellation writes the entry's reverse.

-- The ledger account of each role, unless an item or a customer names its own.
create table ledger_accounts (
    role    text primary key check (role in ('receivable', 'revenue', 'vat_payable', 'excise_payable', 'vat_withheld',
                                             'isr_withheld', 'cash', 'inventory', 'cost_of_sales')),
    account text not null check (account <> '' and length(account) <= 30)
);
insert into ledger_accounts (role, account) values
    ('receivable', '1105'), ('revenue', '4100'), ('vat_payable', '2408'), ('excise_payable', '2409'),
    ('vat_withheld', '1355'), ('isr_withheld', '1356'), ('cash', '1110'), ('inventory', '1435'), ('cost_of_sales', '6135');

alter table items add column revenue_account text check (length(revenue_account) <= 30);
alter table items add column cost numeric(18, 6) check (cost >= 0);   -- standard unit cost: cost of sales
alter table customers add column receivable_account text check (length(receivable_account) <= 30);

create table journal_entries (
    id          bigserial primary key,
    entry_date  date not null,
    kind        text not null check (kind in ('invoice', 'credit_note', 'payment', 'payment_reversal', 'cancellation')),
    invoice_id  bigint references invoices,
    payment_id  bigint references receivable_payments,
    reverses    bigint unique references journal_entries,  -- a cancellation's: the entry it reverses, once
    currency    text not null references currencies,       -- the issuer's: the books' currency
    debit       numeric(18, 4) not null,
    credit      numeric(18, 4) not null,
    memo        text not null default '',
    created_at  timestamptz not null default now(),
    check (debit = credit and debit > 0)                   -- balanced
);
-- One entry per document and kind (a payment's by its payment): writing it again writes nothing.
create unique index journal_entries_once on journal_entries (kind, coalesce(invoice_id, 0), coalesce(payment_id, 0), coalesce(reverses, 0));

create table journal_lines (
    entry_id bigint not null references journal_entries,
    line_no  int not null,
    account  text not null check (account <> ''),
    debit    numeric(18, 4) not null default 0 check (debit >= 0),
    credit   numeric(18, 4) not null default 0 check (credit >= 0),
    check ((debit = 0) <> (credit = 0)),
    primary key (entry_id, line_no)
);

-- An entry's lines add up to its totals, checked when its transaction commits.
create function journal_lines_add_up() returns trigger language plpgsql as $$
declare d numeric; c numeric; td numeric; tc numeric;
begin
    select coalesce(sum(debit), 0), coalesce(sum(credit), 0) into d, c from journal_lines where entry_id = new.entry_id;
    select debit, credit into td, tc from journal_entries where id = new.entry_id;
    if d <> td or c <> tc then
        raise exception 'journal entry %: its lines add to % / %, not its % / %', new.entry_id, d, c, td, tc using errcode = '23514';
    end if;
    return null;
end $$;
create constraint trigger journal_lines_add_up after insert on journal_lines
    deferrable initially deferred for each row execute function journal_lines_add_up();

-- The journal is never rewritten: a mistake is reversed by a new entry.
create function journal_never_changes() returns trigger language plpgsql as $$
begin
    raise exception 'the journal is never changed or deleted (%): reverse an entry with another', tg_table_name using errcode = '23514';
end $$;
create trigger journal_entries_never_change before update or delete on journal_entries for each row execute function journal_never_changes();
create trigger journal_lines_never_change before update or delete on journal_lines for each row execute function journal_never_changes();
