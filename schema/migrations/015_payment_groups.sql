-- One payment covering several invoices of one customer (issue 25: payment record
-- --invoices A-1=1000,A-2=500): its key and content once, each invoice's part a payment of
-- its receivable, and one payment receipt relating every invoice it paid.
create table payment_groups (
    id          bigserial primary key,
    request_key text not null unique,
    request     text not null,
    customer    text not null references customers,
    amount      numeric(18, 4) not null check (amount > 0),
    paid_on     date not null,
    forma_pago  text not null
);

alter table receivable_payments add column group_id bigint references payment_groups;
create index receivable_payments_group on receivable_payments (group_id) where group_id is not null;
