-- billrun domain schema: master data, sources, batches, invoices and their effects.
-- Money is numeric; quantities are numeric; constraints make double effects impossible.

create table currencies (
    code     text primary key check (code ~ '^[A-Z]{3}$'),
    decimals int  not null check (decimals between 0 and 4)
);

create table issuers (
    code          text primary key,
    rfc           text not null,
    name          text not null,
    fiscal_regime text not null,          -- SAT c_RegimenFiscal
    postal_code   text not null,          -- LugarExpedicion
    currency      text not null references currencies,
    email         text not null default ''
);

create table payment_terms (
    code        text primary key,
    kind        text not null check (kind in ('cash', 'credit', 'none')),
    days        int  not null default 0 check (days >= 0),
    forma_pago  text not null default '99', -- SAT c_FormaPago
    metodo_pago text not null default 'PUE' check (metodo_pago in ('PUE', 'PPD'))
);

create table customers (
    code             text primary key,
    name             text not null,
    tax_id           text not null default '',
    tax_id_kind      text not null check (tax_id_kind in ('tax_registration', 'national_id', 'foreign', 'generic')),
    fiscal_regime    text not null default '',
    postal_code      text not null default '',
    cfdi_use         text not null default 'G03',
    email            text not null default '',
    default_discount numeric(7, 4) not null default 0 check (default_discount between 0 and 100),
    payment_terms    text not null references payment_terms,
    invoicing_method text not null default 'combined' check (invoicing_method in ('combined', 'per-order')),
    grouped_billing  boolean not null default false, -- seed 003 "suggests grouped billing"
    is_generic       boolean not null default false
);

create table items (
    code                 text primary key,
    description          text not null,
    unit_price           numeric(18, 6) not null default 0 check (unit_price >= 0),
    vat_rate             numeric(7, 4) check (vat_rate between 0 and 100),   -- null: tax setup missing
    excise_rate          numeric(7, 4) not null default 0 check (excise_rate between 0 and 100),
    vat_withholding_rate numeric(7, 4) not null default 0 check (vat_withholding_rate between 0 and 100),
    isr_withholding_rate numeric(7, 4) not null default 0 check (isr_withholding_rate between 0 and 100),
    product_code         text not null default '01010101', -- SAT ClaveProdServ
    unit_code            text not null default 'H87',      -- SAT ClaveUnidad
    unit_name            text not null default 'Pieza',
    stocked              boolean not null default true
);

create table warehouses (
    code text primary key,
    name text not null
);

create table stock (
    warehouse text not null references warehouses,
    item      text not null references items,
    on_hand   numeric(18, 4) not null default 0,
    committed numeric(18, 4) not null default 0 check (committed >= 0),
    primary key (warehouse, item)
);

create table series (
    code                 text primary key,
    issuer               text not null references issuers,
    document_kind        text not null check (document_kind in ('invoice', 'ticket', 'credit_note')),
    next_number          bigint not null default 1 check (next_number >= 1),
    max_lines            int not null default 0 check (max_lines >= 0), -- 0: no limit
    closing_date         date,                                          -- no invoice dated on or before it
    last_date            date,                                          -- date of the last number issued
    allow_negative_stock boolean not null default false,
    discharge_stock      boolean not null default true
);

-- Sales orders (seed 002, 004).
create table sales_orders (
    id            bigserial primary key,
    number        bigint not null unique check (number > 0),
    customer      text not null references customers,
    series        text not null references series,
    warehouse     text not null references warehouses,
    currency      text not null references currencies,
    payment_terms text not null references payment_terms,
    order_date    date not null,
    status        text not null check (status in ('draft', 'approved', 'fulfilled', 'cancelled'))
);

create table sales_order_lines (
    id              bigserial primary key,
    order_id        bigint not null references sales_orders on delete cascade,
    line_no         int not null,
    item            text not null references items,
    qty_ordered     numeric(18, 4) not null check (qty_ordered > 0),
    qty_to_invoice  numeric(18, 4) not null default 0 check (qty_to_invoice >= 0),
    qty_in_billing  numeric(18, 4) not null default 0 check (qty_in_billing >= 0), -- claimed by a batch, not yet invoiced
    qty_invoiced    numeric(18, 4) not null default 0 check (qty_invoiced >= 0),
    qty_delivered   numeric(18, 4) not null default 0 check (qty_delivered >= 0),
    unit_price      numeric(18, 6) not null check (unit_price >= 0),
    discount_pct    numeric(7, 4) check (discount_pct between 0 and 100), -- null: customer default
    stock_committed boolean not null default false,
    unique (order_id, line_no),
    check (qty_to_invoice + qty_in_billing + qty_invoiced <= qty_ordered)
);

-- Contracts and installments (seed 000).
create table contracts (
    id            bigserial primary key,
    number        text not null unique,
    partner       text not null references customers,
    payer         text not null references customers,
    series        text not null references series,
    currency      text not null references currencies,
    payment_terms text not null references payment_terms,
    warehouse     text references warehouses
);

create table contract_lines (
    id           bigserial primary key,
    contract_id  bigint not null references contracts on delete cascade,
    line_no      int not null,
    item         text not null references items,
    description  text not null default '',
    quantity     numeric(18, 4) not null default 1 check (quantity > 0),
    unit_price   numeric(18, 6) not null check (unit_price >= 0),
    discount_pct numeric(7, 4) not null default 0 check (discount_pct between 0 and 100),
    unique (contract_id, line_no)
);

create table installments (
    id               bigserial primary key,
    contract_line_id bigint not null references contract_lines,
    seq              int not null,
    due_date         date not null,
    state            text not null check (state in ('draft', 'complete', 'in_billing', 'billed', 'cancelled')),
    recurring        boolean not null default true,
    expense_report   text not null default '',
    activity         text not null default '',
    unique (contract_line_id, seq)
);

-- Billing plans (seed 003).
create table billing_plans (
    id            bigserial primary key,
    code          text not null unique,
    customer      text not null references customers,
    contract_id   bigint references contracts,
    series        text not null references series,
    currency      text not null references currencies,
    payment_terms text not null references payment_terms,
    warehouse     text references warehouses,
    rule_kind     text not null check (rule_kind in ('periodic', 'dates')),
    every_n       int check (every_n > 0),
    every_unit    text check (every_unit in ('day', 'week', 'month')),
    start_date    date,
    end_date      date,
    source_order  bigint references sales_orders,
    check (rule_kind <> 'periodic' or (every_n is not null and every_unit is not null
                                       and start_date is not null and end_date is not null
                                       and end_date >= start_date))
);

create table billing_plan_items (
    plan_id      bigint not null references billing_plans on delete cascade,
    line_no      int not null,
    item         text not null references items,
    description  text not null default '',
    quantity     numeric(18, 4) not null check (quantity > 0),
    unit_price   numeric(18, 6) not null check (unit_price >= 0),
    discount_pct numeric(7, 4) not null default 0 check (discount_pct between 0 and 100),
    primary key (plan_id, line_no)
);

create table billing_entities (
    plan_id  bigint not null references billing_plans on delete cascade,
    customer text not null references customers,
    quota    numeric(7, 4) not null check (quota > 0 and quota <= 100),
    primary key (plan_id, customer)
);

-- Quotas of a plan must sum to exactly 100, checked at commit so a plan can be written row by row.
create function billing_entities_sum_check() returns trigger language plpgsql as $$
declare
    pid bigint := coalesce(new.plan_id, old.plan_id);
    total numeric;
begin
    if not exists (select 1 from billing_plans where id = pid) then
        return null;
    end if;
    select coalesce(sum(quota), 0) into total from billing_entities where plan_id = pid;
    if total <> 100 then
        raise exception 'billing plan %: quotas of its billing entities sum to %, not 100', pid, total
            using errcode = '23514';
    end if;
    return null;
end $$;

create constraint trigger billing_entities_sum_100
    after insert or update or delete on billing_entities
    deferrable initially deferred
    for each row execute function billing_entities_sum_check();

create table billing_events (
    id         bigserial primary key,
    plan_id    bigint not null references billing_plans on delete cascade,
    event_date date not null,
    state      text not null check (state in ('planned', 'in_billing', 'executed', 'cancelled', 'suspended', 'inactive')),
    unique (plan_id, event_date)
);

-- Batches.
create table batches (
    id           text primary key,          -- business key, also the workflow id's suffix
    source_kind  text not null check (source_kind in ('orders', 'installments', 'plans')),
    params       jsonb not null,
    series       text references series,
    invoice_date date not null,
    rate         numeric(18, 6) not null default 1 check (rate > 0),
    grouping     text not null check (grouping in ('none', 'by-entity', 'per-customer')),
    draft        boolean not null default false,
    status       text not null check (status in ('created', 'planned', 'awaiting_approval', 'running', 'finished')),
    created_at   timestamptz not null default now(),
    finished_at  timestamptz
);

create table invoices (
    id              bigserial primary key,
    batch_id        text not null references batches,
    group_no        int not null,               -- position in the batch's plan; (batch_id, group_no) is the business key
    issuer          text not null references issuers,
    series          text not null references series,
    document_kind   text not null,
    number          bigint,
    customer        text not null references customers,   -- the payer
    currency        text not null references currencies,
    rate            numeric(18, 6) not null default 1,
    payment_terms   text not null references payment_terms,
    invoice_date    date not null,
    status          text not null check (status in ('draft', 'processing', 'completed', 'failed', 'cancelled')),
    fiscal_status   text not null default 'unsealed' check (fiscal_status in ('unsealed', 'sealed', 'pdf', 'cancelled')),
    delivery_status text not null default 'pending' check (delivery_status in ('pending', 'sent', 'skipped', 'failed')),
    attempt         int not null default 1,
    error_step      text not null default '',
    error_reason    text not null default '',
    amount          numeric(18, 4) not null default 0,
    discount        numeric(18, 4) not null default 0,
    subtotal        numeric(18, 4) not null default 0,
    vat             numeric(18, 4) not null default 0,
    excise          numeric(18, 4) not null default 0,
    vat_withheld    numeric(18, 4) not null default 0,
    isr_withheld    numeric(18, 4) not null default 0,
    total           numeric(18, 4) not null default 0,
    completed_at    timestamptz,
    unique (batch_id, group_no),
    unique (series, number),
    check ((status = 'completed') = (number is not null) or status = 'cancelled')
);

create table invoice_lines (
    id                   bigserial primary key,
    invoice_id           bigint not null references invoices on delete cascade,
    line_no              int not null,
    source_kind          text not null check (source_kind in ('order_line', 'installment', 'plan_event')),
    source_id            bigint not null,
    source_ref           text not null default '',  -- order number, contract line, plan code
    partner              text not null references customers,
    item                 text not null references items,
    description          text not null,
    warehouse            text references warehouses,
    delivered            boolean not null default false,
    quantity             numeric(18, 4) not null check (quantity > 0),
    unit_price           numeric(18, 6) not null,
    discount_pct         numeric(7, 4) not null default 0,
    amount               numeric(18, 4) not null default 0,
    discount             numeric(18, 4) not null default 0,
    subtotal             numeric(18, 4) not null default 0,
    vat_rate             numeric(7, 4) not null default 0,
    vat                  numeric(18, 4) not null default 0,
    excise_rate          numeric(7, 4) not null default 0,
    excise               numeric(18, 4) not null default 0,
    vat_withholding_rate numeric(7, 4) not null default 0,
    vat_withheld         numeric(18, 4) not null default 0,
    isr_withholding_rate numeric(7, 4) not null default 0,
    isr_withheld         numeric(18, 4) not null default 0,
    total                numeric(18, 4) not null default 0,
    refs                 jsonb not null default '{}',  -- contract line, expense report, activity, plan event, entity
    unique (invoice_id, line_no)
);
create index invoice_lines_source on invoice_lines (source_kind, source_id);

create table batch_lines (
    id          bigserial primary key,
    batch_id    text not null references batches,
    source_kind text not null,
    source_id   bigint not null,
    source_ref  text not null,
    customer    text not null,
    item        text not null,
    quantity    numeric(18, 4) not null,
    outcome     text not null check (outcome in ('invoiced', 'skipped')),
    skip_reason text not null default '',
    invoice_id  bigint references invoices,
    unique (batch_id, source_kind, source_id),
    check ((outcome = 'skipped') = (skip_reason <> ''))
);

-- One movement per invoice line, direction and attempt: a retry of the same attempt cannot move stock twice.
create table stock_movements (
    id              bigserial primary key,
    invoice_line_id bigint not null references invoice_lines,
    attempt         int not null,
    direction       text not null check (direction in ('out', 'in')),
    reason          text not null check (reason in ('sale', 'undo', 'return', 'cancel')),
    warehouse       text not null references warehouses,
    item            text not null references items,
    quantity        numeric(18, 4) not null check (quantity > 0),
    committed_released numeric(18, 4) not null default 0,
    created_at      timestamptz not null default now(),
    unique (invoice_line_id, direction, attempt)
);

create table receivables (
    id          bigserial primary key,
    invoice_id  bigint not null references invoices,
    customer    text not null references customers,
    kind        text not null check (kind in ('open', 'pending_collection')),
    currency    text not null references currencies,
    amount      numeric(18, 4) not null,
    balance     numeric(18, 4) not null,
    due_date    date not null,
    status      text not null check (status in ('open', 'paid', 'reversed', 'cancelled')),
    created_at  timestamptz not null default now()
);
-- One live receivable per invoice; a reversed one (undo of a failed attempt) may be followed by a new one.
create unique index receivables_one_per_invoice on receivables (invoice_id) where status not in ('reversed', 'cancelled');

create table receivable_payments (
    id            bigserial primary key,
    receivable_id bigint not null references receivables,
    amount        numeric(18, 4) not null check (amount > 0),
    paid_on       date not null
);

create table fiscal_documents (
    invoice_id     bigint primary key references invoices,
    xml            text not null,
    no_certificado text not null,
    sello          text not null,
    pdf            bytea,
    status         text not null check (status in ('sealed', 'cancelled')),
    sealed_at      timestamptz not null default now()
);

create table deliveries (
    id         bigserial primary key,
    invoice_id bigint not null references invoices,
    seq        int not null,                  -- 1: the automatic delivery; >1: explicit resends
    message_id text not null unique,
    recipient  text not null,
    status     text not null check (status in ('sending', 'sent', 'skipped', 'failed')),
    detail     text not null default '',
    created_at timestamptz not null default now(),
    sent_at    timestamptz,
    unique (invoice_id, seq)
);

-- Credit notes (SPEC §6): returns and rebates against a completed invoice.
create table credit_notes (
    id           bigserial primary key,
    invoice_id   bigint not null references invoices,
    kind         text not null check (kind in ('return', 'rebate')),
    series       text not null references series,
    number       bigint,
    note_date    date not null,
    status       text not null check (status in ('draft', 'completed', 'cancelled')),
    subtotal     numeric(18, 4) not null default 0,
    vat          numeric(18, 4) not null default 0,
    excise       numeric(18, 4) not null default 0,
    vat_withheld numeric(18, 4) not null default 0,
    isr_withheld numeric(18, 4) not null default 0,
    total        numeric(18, 4) not null default 0,
    unique (series, number)
);

create table credit_note_lines (
    id              bigserial primary key,
    credit_note_id  bigint not null references credit_notes on delete cascade,
    invoice_line_id bigint not null references invoice_lines,
    quantity        numeric(18, 4) not null check (quantity > 0),
    unit_amount     numeric(18, 6) not null check (unit_amount > 0),
    subtotal        numeric(18, 4) not null,
    vat             numeric(18, 4) not null,
    excise          numeric(18, 4) not null,
    vat_withheld    numeric(18, 4) not null,
    isr_withheld    numeric(18, 4) not null,
    total           numeric(18, 4) not null,
    unique (credit_note_id, invoice_line_id)
);

-- The audit trail (seed 000's bitácora): every step, attempt and error per invoice.
create table audit_events (
    id         bigserial primary key,
    batch_id   text,
    invoice_id bigint,
    step       text not null,
    attempt    int not null default 0,
    outcome    text not null,
    detail     text not null default '',
    at         timestamptz not null default now()
);
create index audit_events_invoice on audit_events (invoice_id, id);

create sequence batch_number;
