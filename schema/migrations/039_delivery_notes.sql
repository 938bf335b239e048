-- Delivery notes (remitos, seed 002; remisiones, seed 004) as documents. `billrun order
-- deliver` records one: numbered per order (order 1502's notes are 1502-1, 1502-2, ...), its
-- lines (order line, item, warehouse = the order's, quantity), each moving its goods out of
-- stock (a stock movement with reason 'delivery' and no invoice line) and raising the order
-- line's qty_delivered. Once per request key. An invoice that bills order lines delivery
-- notes delivered marks those notes' lines invoiced by it (delivery_note_invoices, in the
-- invoice's completion transaction); its cancellation releases the mark, while the note's
-- stock movement stays (seed 004: it belongs to the delivery note).
create table delivery_notes (
    id          bigserial primary key,
    order_id    bigint not null references sales_orders,
    seq         int not null check (seq > 0),
    note_date   date not null,
    request_key text not null unique,
    status      text not null default 'issued' check (status in ('issued', 'cancelled')),
    created_at  timestamptz not null default now(),
    cancelled_at timestamptz,
    unique (order_id, seq),
    check ((status = 'cancelled') = (cancelled_at is not null))
);

create table delivery_note_lines (
    id            bigserial primary key,
    note_id       bigint not null references delivery_notes,
    line_no       int not null check (line_no > 0),
    order_line_id bigint not null references sales_order_lines,
    item          text not null references items,
    warehouse     text not null references warehouses,
    quantity      numeric(18, 4) not null check (quantity > 0),
    unique (note_id, line_no),
    unique (note_id, order_line_id)
);
-- An invoice's completion looks up its order lines' notes.
create index delivery_note_lines_order_line on delivery_note_lines (order_line_id);

-- A note line's quantity invoiced by an invoice line (FIFO over the order line's notes);
-- released (not deleted) when that invoice is cancelled.
create table delivery_note_invoices (
    id              bigserial primary key,
    note_line_id    bigint not null references delivery_note_lines,
    invoice_id      bigint not null references invoices,
    invoice_line_id bigint not null references invoice_lines,
    quantity        numeric(18, 4) not null check (quantity > 0),
    released_at     timestamptz,
    unique (note_line_id, invoice_line_id)
);
create index delivery_note_invoices_invoice on delivery_note_invoices (invoice_id);
create index delivery_note_invoices_invoice_line on delivery_note_invoices (invoice_line_id);

-- A delivery note's movement has no invoice line; a movement belongs to exactly one of
-- the two. One movement per note line and direction.
alter table stock_movements alter column invoice_line_id drop not null;
alter table stock_movements add column delivery_note_line_id bigint references delivery_note_lines;
alter table stock_movements add constraint stock_movements_owner
    check ((invoice_line_id is null) <> (delivery_note_line_id is null));
alter table stock_movements drop constraint stock_movements_reason_check;
alter table stock_movements add constraint stock_movements_reason_check
    check (reason in ('sale', 'undo', 'return', 'cancel', 'delivery', 'delivery_cancel'));
create unique index stock_movements_note_line on stock_movements (delivery_note_line_id, direction)
    where delivery_note_line_id is not null;

-- Never deliver more than was ordered.
alter table sales_order_lines add constraint sales_order_lines_delivered_le_ordered check (qty_delivered <= qty_ordered);
