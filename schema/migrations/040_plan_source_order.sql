-- Seed 003: a plan may bill from a source document (an order): its header's commercial
-- conditions (payment terms, currency) are used when billing, unless the plan's contract
-- has its own, which prevail. billing_plans.source_order (migration 001) is now imported.
create index billing_plans_source_order on billing_plans (source_order) where source_order is not null;
