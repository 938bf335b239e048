-- No silent defaults (issue: fiscal validity): a batch's exchange rates come from --rate or
-- from imported rates, and the batch records which; the document kind rule is explicit per
-- source series; the VAT base is a setting of the issuer.

-- Exchange rates by currency and date (one rate of the local currency per unit). A batch
-- takes, per foreign currency, the latest rate dated on or before its invoice date.
create table exchange_rates (
    currency text not null references currencies,
    date     date not null,
    rate     numeric(18, 6) not null check (rate > 0),
    primary key (currency, date)
);

-- The rates a batch bills at, per foreign currency, fixed when it is created, and where
-- they came from. rate stays for batches made before (null: none given on the command line).
alter table batches alter column rate drop not null;
alter table batches alter column rate drop default;
alter table batches add column rates jsonb not null default '{}';
alter table batches add column rate_source text not null default '';

-- (source series, tax id kind) → numbering series; a null source series is the rule for any
-- series without its own.
alter table document_kinds drop constraint document_kinds_pkey;
alter table document_kinds add column source_series text references series;
create unique index document_kinds_rule on document_kinds (coalesce(source_series, ''), tax_id_kind);

-- Whether VAT is charged on the amount plus IEPS (LIVA art. 12 and 18: the value for VAT
-- includes the other taxes charged), or on the amount alone (seed 004).
alter table issuers add column vat_on_excise boolean not null default true;
-- The base VAT was charged on, per line (null on lines priced before: the subtotal).
alter table invoice_lines add column vat_base numeric(18, 4);
