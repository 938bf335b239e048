-- What seed 002 filters orders by, and seed 004 prints on the invoice (issue 27): the
-- customer's zone; the order's seller, delivery date and the customer's purchase-order
-- reference.
alter table customers add column zone text not null default '' check (length(zone) <= 40);
alter table sales_orders add column seller text not null default '' check (length(seller) <= 40);
alter table sales_orders add column delivery_date date check (delivery_date >= order_date);
alter table sales_orders add column po_reference text not null default '' check (length(po_reference) <= 60);
