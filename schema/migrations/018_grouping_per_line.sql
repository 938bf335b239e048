-- One invoice per source line (seed 001, Infor LN's "one invoice per line").
alter table batches drop constraint batches_grouping_check;
alter table batches add constraint batches_grouping_check check (grouping in ('none', 'by-entity', 'per-customer', 'per-line'));
alter table billing_templates drop constraint billing_templates_grouping_check;
alter table billing_templates add constraint billing_templates_grouping_check check (grouping in ('none', 'by-entity', 'per-customer', 'per-line'));
