-- The global invoice, fixed (issue 25's review):
-- 1. An invoice series, not only a ticket series, may name a global invoice series: its
--    sales to the general public (the generic RFC) go in the global invoice too.
alter table series drop constraint series_global_only_for_tickets;
alter table series add constraint series_global_only_for_sales
    check (global_invoice_series is null or document_kind in ('ticket', 'invoice'));

-- 2. A series' global invoice series is its own issuer's. NOT VALID: rows stored before
--    are not checked here (the global invoice refuses them, naming the series); every row
--    written from now on is.
alter table series add constraint series_code_issuer unique (code, issuer);
alter table series add constraint series_global_same_issuer
    foreign key (global_invoice_series, issuer) references series (code, issuer) not valid;

-- 3. A global invoice's FormaPago is decided when it is recorded (the form of the largest
--    amount its tickets were paid with); a replacement (cancellation motive 04) names the
--    global invoice it replaces, once.
alter table global_invoices add column forma_pago text;
alter table global_invoices add column replaces bigint references global_invoices;
create unique index global_invoices_replace_once on global_invoices (replaces) where replaces is not null;

-- 4. Cancellation motive 04: the tickets of a global invoice a customer asks a nominative
--    invoice for, and that customer. Each ticket is taken out once.
create table global_nominatives (
    global_id bigint not null references global_invoices,
    ticket_id bigint not null references invoices,
    customer  text not null references customers,
    primary key (global_id, ticket_id)
);
create unique index global_nominatives_once on global_nominatives (ticket_id);
