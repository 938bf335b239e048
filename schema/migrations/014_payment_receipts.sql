-- Payment receipts (CFDI de Recepción de Pagos, issue 25): a payment recorded against a
-- Mexican invoice paid in installments (MetodoPago PPD) gets a CFDI of type P, numbered in
-- its issuer's receipt series, sealed, stamped, printed and e-mailed like an invoice — so it
-- is a row of invoices (document_kind 'payment_receipt', total 0, no batch), and each
-- invoice it pays is a row of payment_receipt_documents.
alter table series drop constraint series_document_kind_check;
alter table series add constraint series_document_kind_check
    check (document_kind in ('invoice', 'ticket', 'credit_note', 'payment_receipt'));

-- The series whose payment receipts answer a series' invoices' payments.
alter table series add column payment_receipt_series text references series;

alter table invoices drop constraint invoices_credit_note;
alter table invoices add constraint invoices_credit_note check (
    (credit_of is null and credit_kind is null and credit_seq is null and (batch_id is not null or document_kind = 'payment_receipt'))
    or (credit_of is not null and credit_kind is not null and credit_seq is not null and document_kind = 'credit_note'));

-- How a payment was made (SAT's c_FormaPago): 03 is a transfer.
alter table receivable_payments add column forma_pago text not null default '03';

create table payment_receipt_documents (
    receipt_id   bigint not null references invoices,
    payment_id   bigint not null unique references receivable_payments, -- one receipt per payment
    invoice_id   bigint not null references invoices,                   -- the invoice paid
    parcialidad  int not null check (parcialidad between 1 and 999),    -- the payment's number among the invoice's
    saldo_ant    numeric(18, 4) not null,
    paid         numeric(18, 4) not null check (paid > 0 and paid <= saldo_ant),
    primary key (receipt_id, invoice_id),
    unique (invoice_id, parcialidad)
);
