-- Monthly payment receipts (issue 25, MX): an issuer may issue one CFDI de Recepción de
-- Pagos per receiver for a month's payments (by the 5th of the next month, RMF 2.7.1.32)
-- instead of one per payment. Such a receipt states several payments, an invoice maybe
-- paid twice in the month: its documents are keyed by payment, not by invoice.
alter table issuers add column payment_receipts text not null default 'per_payment'
    check (payment_receipts in ('per_payment', 'monthly'));

alter table payment_receipt_documents drop constraint payment_receipt_documents_pkey;
alter table payment_receipt_documents add primary key (receipt_id, payment_id);

-- The month's receipts of a receiver, so a run asked again answers the one it made.
create table monthly_receipts (
    receipt_id bigint primary key references invoices,
    issuer     text not null references issuers,
    customer   text not null references customers,
    month      date not null check (extract(day from month) = 1)
);
create index monthly_receipts_of on monthly_receipts (issuer, customer, month);
