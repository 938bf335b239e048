-- An invoice's cancellation asked (and not rejected), on the invoice's own row: sealing,
-- stamping and the global invoice read it under the row lock they take, so a request that
-- commits while they wait for that lock is seen (a subquery on cancellations would be
-- read in the statement's older snapshot).
alter table invoices add column cancelling boolean not null default false;
update invoices v set cancelling = true
from cancellations c where c.invoice_id = v.id and c.status not in ('rejected', 'cancelled');
