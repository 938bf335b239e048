-- Uruguay's e-Ticket threshold (issue 26): an e-Ticket to a consumer who gives no document
-- must identify its receiver when its amount without VAT, in pesos, is above a threshold in
-- Unidades Indexadas (UI); the daily report counts the e-Tickets above it apart. The UI's
-- value is INE's, one a day (imported: uy_ui_values); the threshold in UI is a dated setting
-- (imported: uy_eticket_thresholds; sources disagree between 5,000 and 10,000 UI, and with
-- none in force billrun takes 5,000, rules.DefaultTicketThresholdUI).
create table uy_ui_values (
    day   date primary key,
    value numeric(12, 4) not null check (value > 0)  -- pesos per UI on that day
);

create table uy_eticket_thresholds (
    effective date primary key,                      -- in force from this day until the next setting's
    ui        numeric(12, 2) not null check (ui > 0)
);
