-- Receivers' copies (issue 26): a customer DGI registers as an electronic receiver (a
-- company with a RUT) gets its CFE by e-mail, at its registered address, in DGI's exchange
-- envelope (EnvioCFE_entreEmpresas) rather than as a bare XML.
alter table customers add column electronic_receiver boolean not null default false;
