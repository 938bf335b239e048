-- Return orders netted in the batch (issue 27, seed 001, "importe restante"). An order
-- imported with negative quantities is a return order: its quantities are kept positive
-- (every check on them stands) and is_return says that they come back. In a batch, a
-- group's return lines become a credit note of the group's credit-note series: a row of
-- invoices in the batch (document_kind 'credit_note', credit_kind 'return') that corrects
-- no invoice of its own — the goods were invoiced before, on an invoice the return order
-- does not name — whose credit is settled against the customer's invoices of the batch
-- (credit_settlements), the rest owed back to the customer.
alter table sales_orders add column is_return boolean not null default false;

alter table invoices drop constraint invoices_credit_note;
alter table invoices add constraint invoices_credit_note check (
    (credit_of is null and credit_kind is null and credit_seq is null
        and (batch_id is not null or document_kind in ('payment_receipt', 'global_invoice', 'contingency')))
    or (credit_of is null and credit_kind = 'return' and credit_seq is null and batch_id is not null and document_kind = 'credit_note')
    or (credit_of is not null and credit_kind is not null and credit_seq is not null and document_kind = 'credit_note'));

-- Default series per order class (seed 001, Infor LN's "Tipo de transacción de
-- facturación": each order class names the series its invoices are numbered in). An order
-- of a class is numbered in the class's series unless the batch names a numbering series
-- (--numbering-series); the import refuses a class whose series is another issuer's than
-- the order's own series.
create table order_classes (
    code   text primary key,
    series text not null references series
);
alter table sales_orders add column class text references order_classes;
