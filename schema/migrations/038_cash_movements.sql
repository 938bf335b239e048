-- Cash sales (issue 27, seed 004, Forseti's "pago de contado"): payment terms of kind cash
-- may name the cash box (or bank account) a sale on them is collected into on the spot.
-- Such an invoice is paid in full as it completes — a payment and a cash movement in —
-- a return or rebate on it is paid back out of the box, and its cancellation gives the
-- money back; each a row of cash_movements, once.

-- A cash box or bank account: its currency, and its ledger account (what the journal
-- debits when cash comes in, credits when it goes out).
create table cash_boxes (
    code     text primary key check (code <> '' and length(code) <= 40),
    name     text not null default '',
    currency text not null references currencies,
    account  text not null check (account <> '' and length(account) <= 30),
    unique (code, currency)   -- a movement's currency is its box's (the foreign key below)
);

-- The box cash terms collect into. Only cash terms paid in one exhibition (PUE) name one:
-- a sale collected on the spot owes no payment receipt (CFDI P).
alter table payment_terms add column cash_box text references cash_boxes;
alter table payment_terms add constraint payment_terms_cash_box check (cash_box is null or (kind = 'cash' and metodo_pago = 'PUE'));

create table cash_movements (
    id         bigserial primary key,
    box        text not null,
    currency   text not null,
    invoice_id bigint not null references invoices,         -- the document that moved the cash: the sale, or its credit note
    sale_id    bigint not null references invoices,         -- the cash sale
    payment_id bigint unique references receivable_payments, -- a sale's: the payment that collected it
    reverses   bigint unique references cash_movements,      -- a cancellation's: the movement it gives back, once
    direction  text not null check (direction in ('in', 'out')),
    reason     text not null check (reason in ('sale', 'refund', 'cancel')),
    amount     numeric(18, 4) not null check (amount > 0),  -- in the box's currency
    invoice_amount numeric(18, 4) not null check (invoice_amount > 0), -- in the sale's currency
    moved_on   date not null,
    created_at timestamptz not null default now(),
    foreign key (box, currency) references cash_boxes (code, currency),
    unique (invoice_id, reason),                             -- each document moves cash once per reason
    check ((reason = 'sale') = (payment_id is not null)),
    check (reason <> 'sale' or (direction = 'in' and invoice_id = sale_id)),
    check (reason <> 'refund' or (direction = 'out' and invoice_id <> sale_id)),
    check ((reason = 'cancel') = (reverses is not null))
);
create index cash_movements_sale on cash_movements (sale_id);
create index cash_movements_box on cash_movements (box, moved_on);

-- A cash refund of a credit note books its own entry (the receivable debited, the box
-- credited); a cancellation reverses it like any other.
alter table journal_entries drop constraint journal_entries_kind_check;
alter table journal_entries add constraint journal_entries_kind_check
    check (kind in ('invoice', 'credit_note', 'payment', 'payment_reversal', 'cancellation', 'cash_refund'));
