-- Fiscal output (issue: CFDI sealing, PDF, e-mail once) and the document kind rule.

-- The issuer's CSD: paths on the worker's machine; the key's password comes from the
-- environment variable named here (or a file named by <NAME>_FILE), never from the database.
alter table issuers
    add column csd_certificate  text not null default '',
    add column csd_key          text not null default '',
    add column csd_password_env text not null default 'BILLRUN_CSD_PASSWORD';

-- Why sealing failed, while the invoice stays completed and unsealed.
alter table invoices add column fiscal_error text not null default '';

-- Delivery states: a delivery whose hand-over to the SMTP server may or may not have
-- happened (worker killed, connection lost after DATA) is 'uncertain' and never re-sent
-- on its own: an operator checks and resends explicitly.
alter table invoices drop constraint invoices_delivery_status_check;
alter table invoices add constraint invoices_delivery_status_check
    check (delivery_status in ('pending', 'sent', 'skipped', 'failed', 'uncertain'));
alter table deliveries drop constraint deliveries_status_check;
alter table deliveries add constraint deliveries_status_check
    check (status in ('pending', 'sending', 'sent', 'skipped', 'failed', 'uncertain'));
alter table deliveries add column attempts int not null default 0;
-- When the body started out: sent_at − sending_at is the window in which a crash leaves a
-- delivery uncertain.
alter table deliveries add column sending_at timestamptz;

-- Document kind by the customer's tax id kind (seed 000: national id → e-Ticket, tax
-- registration → e-Factura), with the series that numbers it.
create table document_kinds (
    tax_id_kind   text primary key check (tax_id_kind in ('tax_registration', 'national_id', 'foreign', 'generic')),
    document_kind text not null check (document_kind in ('invoice', 'ticket')),
    series        text not null references series
);
