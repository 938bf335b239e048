-- Seed 003: "the series is chosen when processing; the plan's own series is optional". A
-- billing plan without a series bills in the series its batch names (--series); one with
-- a series bills in its own.
alter table billing_plans alter column series drop not null;
