-- What an invoice owed just before each payment, read under the receivable's lock as the
-- payment was applied: a payment's receipt states it (ImpSaldoAnt) however many credit
-- notes or payments came after. Null for payments recorded before this column.
alter table receivable_payments add column balance_before numeric(18, 4) check (balance_before >= amount);
