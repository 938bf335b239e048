-- Fiscal validity (issue: every document a tax authority would accept): a PAC stamps each
-- sealed CFDI; the stamped document replaces the sealed one (it holds it whole, plus the
-- TimbreFiscalDigital), and its UUID is the folio fiscal that finds it.
alter table invoices drop constraint invoices_fiscal_status_check;
alter table invoices add constraint invoices_fiscal_status_check
    check (fiscal_status in ('unsealed', 'sealed', 'stamped', 'pdf', 'cancelled'));

alter table fiscal_documents
    add column uuid               text unique check (uuid ~ '^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$'),
    add column fecha_timbrado     text,
    add column no_certificado_sat text,
    add column stamped_at         timestamptz;
alter table fiscal_documents drop constraint fiscal_documents_status_check;
alter table fiscal_documents add constraint fiscal_documents_status_check check (status in ('sealed', 'stamped', 'cancelled'));
