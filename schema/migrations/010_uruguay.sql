-- Uruguay's fiscal profile (issue 12): an issuer's country picks the fiscal documents it
-- issues (MX: CFDI 4.0 stamped by a PAC; UY: CFE signed and sent to DGI).

alter table issuers
    add column country    text not null default 'MX' check (country in ('MX', 'UY')),
    -- DGI's data of the issuer's establishment (UY): branch code, fiscal address, city, department.
    add column branch     text not null default '',
    add column address    text not null default '',
    add column city       text not null default '',
    add column department text not null default '';

alter table customers
    add column country text not null default '' check (country = '' or country ~ '^[A-Z]{2}$'),
    add column address text not null default '',
    add column city    text not null default '';

-- The CFE type a series numbers (UY): 101 e-Ticket, 102 its credit note, 111 e-Factura,
-- 112 its credit note. A series with a CFE type takes its numbers from its CAEs.
alter table series add column cfe_type int check (cfe_type in (101, 102, 111, 112));

-- A CAE (Constancia de Autorización para Emisión) is DGI's authorization for a range of
-- numbers of one CFE type and series letter, until a date. A billrun series' CAEs never
-- overlap: an invoice's number is its CFE number, unique in the series.
create table caes (
    id           bigserial primary key,
    series       text not null references series,
    cae          text not null check (cae ~ '^[0-9]{11}$'),
    cfe_series   text not null check (cfe_series ~ '^[A-Z]{1,2}$'),
    first_number bigint not null check (first_number >= 1),
    last_number  bigint not null check (last_number <= 9999999),
    next_number  bigint not null,
    expires      date not null,
    imported_at  timestamptz not null default now(),
    unique (series, cae),
    check (first_number <= last_number),
    check (next_number between first_number and last_number + 1)
);

-- The CAE an invoice's number was taken from.
alter table invoices add column cae bigint references caes;

-- The authority's answer to a document sent to it (UY: DGI's ACKCFE), as received.
alter table fiscal_documents add column authority_ack text;
