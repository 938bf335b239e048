-- Seed 003: one planned event's items may be edited (description, unit price, discount,
-- quantity; lines removed) while it is not executed: the event then bills its own items,
-- not its plan's.
alter table billing_events add column own_items boolean not null default false;
create table billing_event_items (
    event_id     bigint not null references billing_events on delete cascade,
    line_no      int not null,
    item         text not null references items,
    description  text not null default '',
    quantity     numeric(18, 4) not null check (quantity > 0),
    unit_price   numeric(18, 6) not null check (unit_price >= 0),
    discount_pct numeric(7, 4) not null default 0 check (discount_pct between 0 and 100),
    primary key (event_id, line_no)
);

-- Seed 003: a customer may be associated with another (a group's member with the group);
-- a batch asked to include associated entities bills the associated customers' sources
-- with those of the customers it names.
alter table customers add column associated_to text references customers check (associated_to <> code);
create index customers_associated_to on customers (associated_to) where associated_to is not null;
