-- Stock set by an import is recorded (issue: an import never destroys history): an opening
-- balance for stock nothing has moved yet, or a physical count that adjusts stock that has
-- moved, with what it was before.
create table stock_adjustments (
    id               bigserial primary key,
    warehouse        text not null references warehouses,
    item             text not null references items,
    kind             text not null check (kind in ('opening', 'count')),
    on_hand_before   numeric(18, 4) not null,
    on_hand_after    numeric(18, 4) not null,
    committed_before numeric(18, 4) not null,
    committed_after  numeric(18, 4) not null,
    at               timestamptz not null default now()
);
