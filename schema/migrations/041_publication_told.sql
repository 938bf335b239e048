-- A batch's publication is told of sealed invoices only while it waits to be: when no seal
-- has told it since its stamping last counted what is left (null), or the last one did
-- over a minute ago (a run that ended or stopped since). Sealing marks it told in a
-- conditional update after the seal commits; every stamping pass clears the mark before it
-- counts what is ready, and runs again for what it finds. So a bill run signals its
-- publication a few times, not once per invoice. Existing batches start waiting (null).
alter table batches add column publication_told timestamptz;
