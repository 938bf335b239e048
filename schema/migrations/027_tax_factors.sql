-- Seed 004 (Forseti) tax factors and exports (issue 27, MX; to be renumbered at merge if
-- another branch took 024).
--
-- An item's excise (IEPS) may be by quota — an amount per unit, SAT's TipoFactor Cuota, as
-- on fuels, tobacco and sugary drinks — instead of a rate, never both; an item may be
-- VAT-exempt (TipoFactor Exento), which is not VAT at 0 % and has no rate.
alter table items
    add column excise_quota numeric(18, 6) not null default 0 check (excise_quota >= 0),
    add column vat_exempt boolean not null default false,
    add constraint items_excise_by_rate_or_quota check (excise_quota = 0 or excise_rate = 0),
    add constraint items_exempt_has_no_vat_rate check (not vat_exempt or vat_rate is null);

-- Each line keeps the factors it was priced by: VAT at a rate or exempt (no VAT charged),
-- IEPS at a rate or by quota (the amount per unit it was charged at).
alter table invoice_lines
    add column vat_factor text not null default 'Tasa' check (vat_factor in ('Tasa', 'Exento')),
    add column excise_factor text not null default 'Tasa' check (excise_factor in ('Tasa', 'Cuota')),
    add column excise_quota numeric(18, 6) not null default 0 check (excise_quota >= 0),
    add constraint invoice_lines_exempt_charges_no_vat check (vat_factor = 'Tasa' or (vat_rate = 0 and vat = 0)),
    add constraint invoice_lines_excise_quota check ((excise_factor = 'Cuota') = (excise_quota > 0)
        and (excise_factor = 'Tasa' or excise_rate = 0));

-- A foreign customer's country of fiscal residence (SAT's c_Pais, ISO 3166-1 alpha-3) and
-- its tax id there (tax_id, the CFDI's NumRegIdTrib); an export customer's invoices are
-- definitive exports (Exportacion 02), which need both.
alter table customers
    add column fiscal_residence text not null default '' check (fiscal_residence ~ '^([A-Z]{3})?$' and fiscal_residence <> 'MEX'),
    add column export boolean not null default false,
    add constraint customers_residence_is_foreign check (fiscal_residence = '' or tax_id_kind = 'foreign'),
    add constraint customers_export_is_foreign check (not export or (tax_id_kind = 'foreign' and fiscal_residence <> '' and tax_id <> ''));
