-- Contingency (issue 26): when billrun cannot issue electronically, an issuer writes its
-- documents on DGI's pre-printed contingency series (CFC: 201 e-Ticket contingencia, 202 and
-- 203 its credit and debit notes, 211 e-Factura contingencia, 212 and 213 its notes), each
-- number inside a CAE of the contingency range; later they are recorded (billrun invoice
-- contingency import), count in the numbering, the receivables and the daily report, and are
-- sent to DGI as CFE.
alter table series drop constraint series_cfe_type_check;
alter table series add constraint series_cfe_type_check
    check (cfe_type in (101, 102, 111, 112, 201, 202, 203, 211, 212, 213));
alter table series drop constraint series_document_kind_check;
alter table series add constraint series_document_kind_check
    check (document_kind in ('invoice', 'ticket', 'credit_note', 'payment_receipt', 'global_invoice', 'contingency'));
-- A contingency series numbers only contingency documents, and they only come from one.
alter table series add constraint series_contingency_kind
    check ((document_kind = 'contingency') = (cfe_type is not null and cfe_type >= 200));

-- A contingency document is an invoice of no batch (document_kind 'contingency').
alter table invoices drop constraint invoices_credit_note;
alter table invoices add constraint invoices_credit_note check (
    (credit_of is null and credit_kind is null and credit_seq is null
        and (batch_id is not null or document_kind in ('payment_receipt', 'global_invoice', 'contingency')))
    or (credit_of is not null and credit_kind is not null and credit_seq is not null and document_kind = 'credit_note'));

-- Its lines bill no source: each is its own (source_id its line number).
alter table invoice_lines drop constraint invoice_lines_source_kind_check;
alter table invoice_lines add constraint invoice_lines_source_kind_check
    check (source_kind in ('order_line', 'installment', 'plan_event', 'invoice_line', 'contingency'));

create table contingency_documents (
    invoice_id  bigint primary key references invoices,
    issuer      text not null references issuers,
    cfe_type    int not null check (cfe_type in (201, 202, 203, 211, 212, 213)),
    cfe_series  text not null check (cfe_series ~ '^[A-Z]{1,2}$'),
    number      bigint not null check (number between 1 and 9999999),
    cae         bigint not null references caes,
    fingerprint text not null,             -- the imported record's digest: the same record imported again is the same document
    -- The CFE a note corrects (202, 203, 212, 213), as the paper names it.
    ref_type    int,
    ref_series  text,
    ref_number  bigint,
    ref_date    date,
    ref_reason  text not null default '',
    imported_at timestamptz not null default now(),
    -- A contingency number is used once: DGI knows a CFE by issuer, type, series and number.
    unique (issuer, cfe_type, cfe_series, number),
    check ((ref_type is null) = (ref_number is null) and (ref_type is null) = (ref_series is null)
           and (ref_type is null) = (ref_date is null)),
    check ((cfe_type in (201, 211)) = (ref_type is null))
);

-- Receivers' acknowledgements (issue 26): an electronic receiver answers each CFE of the
-- exchange envelope it got with its own ACKCFE (ACKCFE_Partes.xsd, signed): received (AE),
-- rejected (BE, with its reasons) or, for a contingency document, observed (CE). Each answer
-- is recorded once per CFE and answer number (IDRespuesta), the signed document as received.
create table receiver_acks (
    invoice_id   bigint not null references invoices,
    response_id  bigint not null check (response_id >= 0),   -- the receiver's IDRespuesta
    receiver_rut text not null,
    state        text not null check (state in ('AE', 'BE', 'CE')),
    reasons      text not null default '',
    xml          text not null,
    recorded_at  timestamptz not null default now(),
    primary key (invoice_id, response_id),
    check (state = 'BE' or reasons = '' or state = 'CE')
);
