-- Credit notes (issue: credit notes, returns, rebates; seed 004). A credit note is a fiscal
-- document like an invoice — numbered, sealed, stamped, printed, e-mailed — so it is a row of
-- invoices (document_kind 'credit_note') that corrects another invoice (credit_of), with no
-- batch. Its lines point at the invoice lines they correct. The first tables drawn for it
-- (credit_notes, credit_note_lines) were never used and are replaced by this.
drop table credit_note_lines;
drop table credit_notes;

alter table invoices alter column batch_id drop not null;
alter table invoices
    add column credit_of   bigint references invoices,
    add column credit_kind text check (credit_kind in ('return', 'rebate')),
    add column credit_seq  int check (credit_seq > 0),    -- 1, 2, … per corrected invoice: the request's business key
    add constraint invoices_credit_note check (
        (credit_of is null and credit_kind is null and credit_seq is null and batch_id is not null)
        or (credit_of is not null and credit_kind is not null and credit_seq is not null and document_kind = 'credit_note')),
    add constraint invoices_credit_once unique (credit_of, credit_seq);

alter table invoice_lines drop constraint invoice_lines_source_kind_check;
alter table invoice_lines add constraint invoice_lines_source_kind_check
    check (source_kind in ('order_line', 'installment', 'plan_event', 'invoice_line'));

-- The series whose credit notes correct a series' invoices.
alter table series add column credit_note_series text references series;

-- What a credit note did to the corrected invoice's receivable: the part applied to its
-- balance, and the part owed back to the customer (a refund due) when the balance was less.
create table credit_applications (
    credit_note_id bigint primary key references invoices,
    receivable_id  bigint references receivables,
    applied        numeric(18, 4) not null check (applied >= 0),
    refund_due     numeric(18, 4) not null check (refund_due >= 0)
);

-- Netting (seed 001): a batch made with settle_credits applies the customer's open return
-- credit notes (their refund due, less what settled invoices before) to its invoices'
-- receivables as they are posted; the customer owes the remainder. Undoing or cancelling
-- the invoice deletes its settlements, which opens the credit again.
create table credit_settlements (
    credit_note_id bigint not null references invoices,
    invoice_id     bigint not null references invoices,
    amount         numeric(18, 4) not null check (amount > 0),
    primary key (credit_note_id, invoice_id)
);
create index credit_settlements_invoice on credit_settlements (invoice_id);

-- Cancellation (seed 004; SAT's cancellation with a motive, and the receiver's acceptance
-- where SAT's rules ask for it): one request per invoice at a time; a rejected request may
-- be made again. The invoice's effects are undone only once the authority cancels it.
create table cancellations (
    invoice_id       bigint primary key references invoices,
    motive           text not null check (motive in ('01', '02', '03', '04')),
    replacement_uuid text,
    status           text not null check (status in ('requested', 'pending', 'cancelled', 'rejected')),
    detail           text not null default '',
    requested_at     timestamptz not null default now(),
    cancelled_at     timestamptz,
    check ((motive = '01') = (replacement_uuid is not null))
);
