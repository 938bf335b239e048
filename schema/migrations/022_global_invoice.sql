-- The global invoice (issue 25, MX): a ticket series may name the series of its global
-- invoices; its tickets then have no CFDI of their own (fiscal_status 'global') and the
-- period's tickets of the issuer become one CFDI to the general public (InformacionGlobal):
-- a row of invoices (document_kind 'global_invoice', no batch) and one row of
-- global_invoice_tickets per ticket it carries.
alter table series drop constraint series_document_kind_check;
alter table series add constraint series_document_kind_check
    check (document_kind in ('invoice', 'ticket', 'credit_note', 'payment_receipt', 'global_invoice'));

alter table series add column global_invoice_series text references series;
alter table series add constraint series_global_only_for_tickets
    check (global_invoice_series is null or document_kind = 'ticket');

alter table invoices drop constraint invoices_fiscal_status_check;
alter table invoices add constraint invoices_fiscal_status_check
    check (fiscal_status in ('unsealed', 'sealed', 'stamped', 'pdf', 'cancelled', 'global'));

alter table invoices drop constraint invoices_credit_note;
alter table invoices add constraint invoices_credit_note check (
    (credit_of is null and credit_kind is null and credit_seq is null
        and (batch_id is not null or document_kind in ('payment_receipt', 'global_invoice')))
    or (credit_of is not null and credit_kind is not null and credit_seq is not null and document_kind = 'credit_note'));

-- The period a global invoice covers, as SAT's InformacionGlobal says it.
create table global_invoices (
    invoice_id   bigint primary key references invoices,
    issuer       text not null references issuers,
    period_from  date not null,
    period_to    date not null check (period_to >= period_from),
    periodicidad text not null check (periodicidad in ('01', '02', '03', '04', '05')),
    meses        text not null,
    año          int not null
);

create table global_invoice_tickets (
    global_id   bigint not null references global_invoices,
    ticket_id   bigint not null references invoices,
    released_at timestamptz, -- its global invoice was cancelled: the ticket goes in another
    primary key (global_id, ticket_id)
);
-- A ticket is in one live global invoice at most.
create unique index global_invoice_tickets_once on global_invoice_tickets (ticket_id) where released_at is null;
