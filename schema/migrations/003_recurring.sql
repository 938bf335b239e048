-- Recurring billing: installment and plan bill runs. A plan event is split among its
-- billing entities and items, so one source can give several batch lines: the source
-- reference tells them apart.
alter table batch_lines drop constraint batch_lines_batch_id_source_kind_source_id_key;
alter table batch_lines add constraint batch_lines_source_once unique (batch_id, source_kind, source_id, source_ref);

-- Scheduled runs remember which schedule and nominal period made them.
alter table batches add column schedule text not null default '';
alter table batches add column period text not null default '';
