-- Giving up (issue 23): a draft batch can be rejected (its drafts voided, their sources
-- billable again) and a failed invoice abandoned (its sources billable again, its number
-- never taken); nothing is deleted, the audit trail keeps why.
alter table batches drop constraint batches_status_check;
alter table batches add constraint batches_status_check
    check (status in ('created', 'planning', 'grouping', 'planned', 'awaiting_approval', 'running', 'finished', 'rejected'));
alter table invoices drop constraint invoices_status_check;
alter table invoices add constraint invoices_status_check
    check (status in ('draft', 'processing', 'completed', 'failed', 'cancelled', 'voided', 'abandoned'));
