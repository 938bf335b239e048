-- A batch's publication is told of sealed invoices only while it waits to be: when its
-- stamping last found nothing more to stamp (null), or when it was last told over a
-- minute ago (a run that ended or stopped since). Sealing marks it told in a conditional
-- update after the seal commits; a stamping pass clears the mark before it counts what is
-- left. So a bill run signals its publication a few times, not once per invoice, and no
-- sealed invoice is left untold. Existing batches start waiting (null).
alter table batches add column publication_told timestamptz;
