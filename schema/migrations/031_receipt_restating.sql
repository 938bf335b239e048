-- A payment receipt's cancellation (issue 25, MX): only the payments asked to be cancelled
-- (payment cancel, or invoice cancel of the whole receipt) are reversed with it; the other
-- payments a monthly receipt stated stay recorded and are stated again by a new receipt. So
-- a payment may be stated by several receipts over time, by one live receipt at a time.
alter table payment_receipt_documents
    add column reverse   boolean not null default false, -- its payment is cancelled with the receipt
    add column cancelled boolean not null default false; -- its receipt is cancelled: the payment may be stated again
update payment_receipt_documents d set cancelled = true, reverse = true
from invoices v where v.id = d.receipt_id and v.status = 'cancelled';
alter table payment_receipt_documents drop constraint payment_receipt_documents_payment_id_key;
alter table payment_receipt_documents drop constraint payment_receipt_documents_invoice_id_parcialidad_key;
create unique index payment_receipt_documents_live_payment on payment_receipt_documents (payment_id) where not cancelled;
create unique index payment_receipt_documents_live_parcialidad on payment_receipt_documents (invoice_id, parcialidad) where not cancelled;

-- When a payment was recorded: the balance before a later payment counts back an earlier
-- one reversed after that later payment was recorded.
alter table receivable_payments add column recorded_at timestamptz not null default now();

-- Receipts whose cancellation is under way were asked to cancel their payments with them.
update payment_receipt_documents d set reverse = true
from cancellations c where c.invoice_id = d.receipt_id and c.status not in ('rejected', 'cancelled') and not d.cancelled;
