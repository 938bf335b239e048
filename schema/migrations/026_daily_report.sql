-- Uruguay's daily report (issue 26): every Uruguayan issuer reports each calendar day's CFE
-- to DGI (Reporte Diario, ReporteDiarioCFE.xsd), even a day with none. Each sending of a
-- day is a row: its sequence (SecEnvio; a resend takes the next), the signed report as
-- sent, DGI's answer (ACKRepDiario) as received and where it stands.
create table daily_reports (
    issuer      text not null references issuers,
    day         date not null,
    sequence    int not null check (sequence between 1 and 99),
    xml         text not null,                 -- the signed Reporte, exactly as sent
    cfe_count   int not null check (cfe_count >= 0),
    state       text not null default 'sending' check (state in ('sending', 'received', 'rejected')),
    ack         text,                          -- DGI's ACKRepDiario, as received
    reason      text not null default '',      -- DGI's codes and text of a rejection
    created_at  timestamptz not null default now(),
    answered_at timestamptz,
    primary key (issuer, day, sequence),
    check ((state = 'sending') = (ack is null)),
    check (state = 'rejected' or reason = '')
);

-- A day has at most one sending waiting for DGI's answer: a retry sends that one again.
create unique index daily_reports_one_sending on daily_reports (issuer, day) where state = 'sending';
