-- A payment made in another currency than its invoice's (issue 25: a USD invoice paid in
-- pesos, or the reverse): what the customer paid, in the currency paid, at the rate of the
-- currency that is not the peso; the receivable is paid the converted amount. Null: paid
-- in the invoice's own currency.
alter table receivable_payments
    add column paid_currency text references currencies,
    add column paid_amount   numeric(18, 4) check (paid_amount > 0),
    add column paid_rate     numeric(18, 6) check (paid_rate > 0),
    add constraint receivable_payments_paid_in check ((paid_currency is null) = (paid_amount is null) and (paid_currency is null) = (paid_rate is null));
