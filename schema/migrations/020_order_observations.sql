-- An order's observations (seed 002, Tango): printed on the invoices that bill it.
alter table sales_orders add column observations text not null default '' check (length(observations) <= 1000);
