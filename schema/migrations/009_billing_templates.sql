-- Billing templates (seed 001): a named set of batch parameters that bounds what a batch
-- made from it may bill: its source kinds, its order range, its least restrictive grouping,
-- its series and whether that may be overridden.
create table billing_templates (
    name         text primary key,
    sources      text[] not null check (sources <@ array['orders', 'installments', 'plans'] and cardinality(sources) > 0),
    orders_from  bigint not null default 0,
    orders_to    bigint not null default 0 check (orders_to >= orders_from),
    grouping     text not null default 'by-entity' check (grouping in ('none', 'by-entity', 'per-customer')),
    series       text references series,
    fixed_series boolean not null default false
);
