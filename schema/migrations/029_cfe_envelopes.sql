-- Envelopes of up to 250 CFE to DGI (issue 26): the publication sends a batch's Uruguayan
-- CFE of one issuer and CFE type together in an EnvioCFE of at most 250, then asks DGI for
-- its CFE's answers (ACKCFE) with the envelope's token. An envelope is recorded, exactly as
-- it is sent, before it is sent: a retry after a lost answer sends the same bytes under the
-- same number (Idemisor), never another envelope with that number. Its CFE each keep their
-- own outcome: one DGI rejects fails only its invoice's fiscal step.
create sequence cfe_envelope_numbers;   -- Idemisor; CFE sent alone take type×10^7+number (≥ 1,010,000,000)

create table cfe_envelopes (
    id         bigint primary key,       -- the issuer's number for it (Idemisor)
    issuer     text not null references issuers,
    cfe_type   int not null,
    cfe_count  int not null check (cfe_count between 1 and 250),
    xml        text not null,            -- the EnvioCFE, exactly as sent (and sent again)
    state      text not null default 'sending' check (state in ('sending', 'received', 'rejected', 'answered')),
    ack        text,                     -- DGI's ACKSobre, as received
    answer     text,                     -- DGI's ACKCFE of its CFE, as received
    created_at timestamptz not null default now(),
    check ((state = 'sending') = (ack is null)),
    check ((state = 'answered') = (answer is not null))
);

-- The envelope a document went in, and its place there (Nro_ordinal of DGI's ACKCFE_Det);
-- cleared when DGI rejects it, so a restamp sends it in a new envelope.
alter table fiscal_documents add column envelope_id bigint references cfe_envelopes,
    add column envelope_ordinal int check (envelope_ordinal between 1 and 250),
    add check ((envelope_id is null) = (envelope_ordinal is null));
create unique index fiscal_documents_envelope_place on fiscal_documents (envelope_id, envelope_ordinal) where envelope_id is not null;
