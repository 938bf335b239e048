-- A billing plan is active or inactive (seed 003): only an active plan's events bill.
alter table billing_plans add column state text not null default 'active' check (state in ('active', 'inactive'));
