-- A billing-plan event is split among its plan's entities by quota (seed 003). When one
-- entity's invoice is cancelled, only that entity's share is billable again: the event stays
-- executed for the others, and the share is recorded here until a batch bills it again.
create table billing_event_shares (
    event_id bigint not null references billing_events on delete cascade,
    customer text not null references customers,
    state    text not null check (state in ('released', 'in_billing')),
    primary key (event_id, customer)
);

-- A cancellation SAT made but billrun refused to undo the books of (payments were recorded
-- while it waited): the document stands cancelled at SAT, the receivable and its payments
-- stay, and no payment is taken on it.
alter table cancellations drop constraint cancellations_status_check;
alter table cancellations add constraint cancellations_status_check
    check (status in ('requested', 'pending', 'cancelled', 'rejected', 'refused'));
