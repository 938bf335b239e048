-- Operations (issue: no invoice stranded): installation identity, chunked planning, visible
-- batch failures, idempotent audit, publication apart from the invoice.

-- A stable id per installation (database), created here once: it prefixes workflow ids and
-- Message-IDs, so two databases on one Temporal namespace never share an id.
create table installation (
    id         text primary key check (id ~ '^[a-z0-9]{8}$'),
    created_at timestamptz not null default now(),
    singleton  boolean not null default true unique check (singleton)
);
insert into installation (id) values (substr(md5(random()::text || clock_timestamp()::text), 1, 8));

-- Planning in chunks that commit: 'planning' selects and claims sources after plan_cursor,
-- 'grouping' turns the selected lines into drafts. A batch whose planning hit bad data keeps
-- its phase and says why in error, until it is fixed and resumed.
alter table batches drop constraint batches_status_check;
alter table batches add constraint batches_status_check
    check (status in ('created', 'planning', 'grouping', 'planned', 'awaiting_approval', 'running', 'finished'));
alter table batches add column plan_cursor text not null default '';
alter table batches add column error text not null default '';

-- A selected line waits for grouping with what planning read of it (line) and its group key.
alter table batch_lines drop constraint batch_lines_outcome_check;
alter table batch_lines add constraint batch_lines_outcome_check check (outcome in ('selected', 'invoiced', 'skipped'));
alter table batch_lines add column line jsonb;
alter table batch_lines add column group_key text not null default '';
create index batch_lines_selected on batch_lines (batch_id) where outcome = 'selected';

-- Printing and delivery run apart from the invoice: a reseal or reprint request counts here,
-- so the audit trail keys them like attempts.
alter table invoices add column publish_attempt int not null default 1;
create index invoices_batch_open on invoices (batch_id, group_no) where status in ('draft', 'processing');

-- One audit row per invoice, step, attempt and outcome: a re-run of an activity adds none.
delete from audit_events a using audit_events b
where a.invoice_id is not null and a.invoice_id = b.invoice_id and a.step = b.step and a.attempt = b.attempt
  and a.outcome = b.outcome and a.id > b.id;
create unique index audit_events_once on audit_events (invoice_id, step, attempt, outcome) where invoice_id is not null;
