package activities

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/smtp"
	"net/textproto"
	"os"
	"time"

	mail "github.com/wneessen/go-mail"

	"billrun/internal/fiscal"
	"billrun/internal/fiscal/cfe"
	"billrun/internal/model"
)

// MailConfig is where and as whom invoices are e-mailed: a relay reached in the clear, by
// STARTTLS or by implicit TLS (SMTPS), authenticated when a user is given.
type MailConfig struct {
	Addr string // host:port of the SMTP server
	From string
	// TLS: "auto" (STARTTLS when the server offers it), "starttls" (required), "implicit"
	// (SMTPS, e.g. port 465) or "none". Empty is auto.
	TLS string
	// RootCAs verifies the server's certificate (nil: the system's).
	RootCAs *x509.CertPool
	// Username and Password authenticate (AUTH PLAIN, only over TLS or to localhost);
	// never logged.
	Username, Password string
	// Hello is the name billrun greets the server with (default: this host's name).
	Hello string
}

// MessageID is derived from the installation, the invoice and the delivery's sequence, so
// every copy of one delivery carries the same id and receivers can recognise a duplicate,
// and two installations never share one.
func MessageID(installation string, invoiceID int64, seq int) string {
	if installation == "" {
		return fmt.Sprintf("billrun.invoice-%d.delivery-%d@billrun.local", invoiceID, seq)
	}
	return fmt.Sprintf("billrun.%s.invoice-%d.delivery-%d@billrun.local", installation, invoiceID, seq)
}

// SMTP deadlines: the activity's own timeout (the workflows' delivery options) is longer
// than both together, so a hung server ends the attempt here, not in Temporal.
const (
	SMTPDialTimeout    = 10 * time.Second
	SMTPSessionTimeout = 30 * time.Second
)

type deliveryJob struct {
	batchID, recipient, sender, replyTo, xmlName, pdfName string
	message                                               message
	xml, pdf                                              []byte
}

// DeliverInvoice e-mails the invoice's XML and PDF to the customer, once. The delivery is a
// row keyed by (invoice, seq): 'pending' until the SMTP server has taken the envelope,
// 'sending' from just before the message body goes out, 'sent' when the server accepted it.
// Anything that fails before 'sending' is retried with backoff (the server down, a 4xx).
// A run that finds 'sending' cannot know whether the earlier one was delivered (a worker
// killed mid-DATA, a connection lost before the reply): it marks the delivery 'uncertain'
// and never sends a second copy on its own; `billrun invoice resend` does, on purpose.
func (a *Publication) DeliverInvoice(ctx context.Context, in Delivery) error {
	s := &smtpSession{mail: a.Mail}
	defer s.close()
	return a.deliver(ctx, in, s)
}

// deliver is DeliverInvoice on a session a pass may reuse for its next messages.
func (a *Publication) deliver(ctx context.Context, in Delivery, s *smtpSession) error {
	invoiceID, seq := in.InvoiceID, in.Seq
	job, status, err := a.prepareDelivery(ctx, invoiceID, seq)
	if err != nil || status != "pending" {
		return temporalError(model.StepDeliver, err)
	}
	raw, err := composeMail(a.Mail.From, job, MessageID(a.Installation, invoiceID, seq))
	if err != nil {
		return a.finishDelivery(ctx, invoiceID, seq, "failed", "composing the message: "+err.Error())
	}

	c, err := s.client(ctx)
	if err != nil {
		return fmt.Errorf("smtp %s: %w", a.Mail.Addr, err) // nothing handed over: retry
	}
	accepted := false
	defer func() { s.done(accepted) }()
	if err := c.Mail(a.Mail.From); err != nil {
		return a.refused(ctx, invoiceID, seq, err)
	}
	if err := c.Rcpt(job.recipient); err != nil {
		return a.refused(ctx, invoiceID, seq, err)
	}
	// From here a lost answer is ambiguous: record that the body is going out first. From
	// that record on, the outcome is recorded even if the pass is cancelled meanwhile (its
	// publication run ending): left "sending", the next pass would record it as uncertain
	// although the server took it.
	if err := ctx.Err(); err != nil {
		return err
	}
	ctx, cancel := outlive(ctx)
	defer cancel()
	if ok, err := a.Store.MarkSending(ctx, invoiceID, seq); err != nil || !ok {
		return err
	}
	w, err := c.Data()
	if err == nil {
		_, err = w.Write(raw)
		if err == nil {
			err = w.Close()
		}
	}
	if err != nil {
		var tp *textproto.Error
		if errors.As(err, &tp) { // the server answered: it did not take the message
			if rerr := a.Store.BackToPending(ctx, invoiceID, seq); rerr != nil {
				return rerr
			}
			return a.refused(ctx, invoiceID, seq, err)
		}
		return a.finishDelivery(ctx, invoiceID, seq, "uncertain", "no answer after the message was sent: "+err.Error())
	}
	accepted = true
	if a.afterSend != nil {
		if err := a.afterSend(); err != nil {
			return err
		}
	}
	return a.finishDelivery(ctx, invoiceID, seq, "sent", "to "+job.recipient)
}

// outlive is ctx without its cancellation, for the writes that record what has happened
// already: bounded by the activity's deadline, else by a minute.
func outlive(ctx context.Context) (context.Context, context.CancelFunc) {
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(time.Minute)
	}
	return context.WithDeadline(context.WithoutCancel(ctx), deadline)
}

// refused handles an SMTP error answer: 4xx is temporary (retry), 5xx permanent (failed).
func (a *Publication) refused(ctx context.Context, invoiceID int64, seq int, err error) error {
	var tp *textproto.Error
	if errors.As(err, &tp) && tp.Code >= 500 {
		return a.finishDelivery(ctx, invoiceID, seq, "failed", fmt.Sprintf("refused by the mail server: %d %s", tp.Code, tp.Msg))
	}
	return fmt.Errorf("smtp: %w", err)
}

// dialSMTP opens a session ready for MAIL FROM (and the connection under it, whose deadline
// a reused session moves on): connected (over TLS for SMTPS), greeted,
// upgraded by STARTTLS when offered or required, and authenticated when a user is set. A
// failure here hands nothing over, so the delivery is retried (a relay that refuses the
// password is a configuration to fix, not a message to give up on).
func dialSMTP(ctx context.Context, m MailConfig) (*smtp.Client, net.Conn, error) {
	host, _, _ := net.SplitHostPort(m.Addr)
	tlsConf := &tls.Config{ServerName: host, RootCAs: m.RootCAs, MinVersion: tls.VersionTLS12}
	d := net.Dialer{Timeout: SMTPDialTimeout}
	var conn net.Conn
	var err error
	if m.TLS == "implicit" {
		conn, err = (&tls.Dialer{NetDialer: &d, Config: tlsConf}).DialContext(ctx, "tcp", m.Addr)
	} else {
		conn, err = d.DialContext(ctx, "tcp", m.Addr)
	}
	if err != nil {
		return nil, nil, err
	}
	_ = conn.SetDeadline(time.Now().Add(SMTPSessionTimeout))
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return nil, nil, err
	}
	fail := func(err error) (*smtp.Client, net.Conn, error) {
		c.Close()
		return nil, nil, err
	}
	hello := m.Hello
	if hello == "" {
		if hello, err = os.Hostname(); err != nil || hello == "" {
			hello = "localhost"
		}
	}
	if err := c.Hello(hello); err != nil {
		return fail(err)
	}
	if m.TLS != "implicit" && m.TLS != "none" {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(tlsConf); err != nil {
				return fail(fmt.Errorf("STARTTLS: %w", err))
			}
		} else if m.TLS == "starttls" {
			return fail(errors.New("the server does not offer STARTTLS (SMTP_TLS=starttls)"))
		}
	}
	if m.Username != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			return fail(errors.New("the server does not offer AUTH (SMTP_USERNAME is set)"))
		}
		if err := c.Auth(smtp.PlainAuth("", m.Username, m.Password, host)); err != nil {
			return fail(fmt.Errorf("AUTH as %s: %w", m.Username, err))
		}
	}
	return c, conn, nil
}

// prepareDelivery records the delivery row and answers its state: only 'pending' sends.
func (a *Publication) prepareDelivery(ctx context.Context, invoiceID int64, seq int) (deliveryJob, string, error) {
	var job deliveryJob
	messageID := MessageID(a.Installation, invoiceID, seq)
	h, status, to, err := a.Store.OpenDelivery(ctx, invoiceID, seq, messageID)
	if err != nil {
		return job, "", err
	}
	job.batchID, job.recipient = h.BatchID, to
	switch {
	case h.Status != "completed" || h.FiscalStatus != "pdf" || h.PDF == nil:
		return job, "", nil // nothing to send yet: sealing or printing has not happened
	case h.Recipient == "":
		const why = "the customer has no e-mail address"
		return job, "", a.Store.InTx(ctx, func(tx PublicationTx) error {
			skipped, err := tx.SkipDelivery(invoiceID, seq, messageID, why)
			if err != nil || !skipped {
				return err
			}
			return tx.Audit(h.BatchID, invoiceID, model.StepDeliver, seq, "skipped", why)
		})
	case status == "sending":
		marked, err := a.Store.MarkUncertain(ctx, invoiceID, seq,
			"an earlier attempt stopped while handing the message over; it may have been delivered",
			"not re-sent automatically: check the mailbox, then `billrun invoice resend`")
		if !marked {
			return job, "", err // another run recorded its outcome meanwhile
		}
		return job, "uncertain", err
	case status != "pending":
		return job, status, nil
	}
	folio := fmt.Sprintf("%s-%d", h.Series, *h.Number)
	job.xml, job.pdf = h.XML, h.PDF
	p, err := profileFor(a.Fiscal, h.Country)
	if err != nil {
		return job, status, businessf(model.StepDeliver, "%s", err.Error())
	}
	// The attached XML is the document: the message describes it, with no second read.
	doc := fiscal.Document{XML: string(job.xml), UUID: h.UUID}
	job.sender, job.replyTo, job.message = h.IssuerName, h.IssuerEmail, invoiceMessage(h, p.Describe(doc, h.DocumentKind))
	job.xmlName, job.pdfName = folio+".xml", folio+".pdf"
	if h.Country == "UY" && h.ElectronicReceiver {
		return job, status, exchangeCopy(ctx, &job, h.ReceiverRUT)
	}
	return job, status, nil
}

// exchangeCopy puts the CFE of an electronic receiver's mail in DGI's exchange envelope
// (EnvioCFE_entreEmpresas, held to its schema), in place of the bare CFE. A worker without
// xmllint retries; a CFE that cannot go in one is a business error naming why.
func exchangeCopy(ctx context.Context, job *deliveryJob, receiverRUT string) error {
	name, xml, err := cfe.ExchangeEnvelope(ctx, string(job.xml), receiverRUT)
	if errors.Is(err, fiscal.ErrEnvironment) {
		return err
	}
	if err != nil {
		return businessf(model.StepDeliver, "the CFE's exchange envelope for electronic receiver RUT %s: %s", receiverRUT, err.Error())
	}
	job.xml, job.xmlName = []byte(xml), name
	return nil
}

func composeMail(from string, job deliveryJob, messageID string) ([]byte, error) {
	m := mail.NewMsg()
	if err := m.FromFormat(job.sender, from); err != nil {
		return nil, err
	}
	if err := m.To(job.recipient); err != nil {
		return nil, err
	}
	if job.replyTo != "" { // the customer answers the issuer, not billrun's sender address
		if err := m.ReplyTo(job.replyTo); err != nil {
			return nil, err
		}
	}
	m.Subject(job.message.subject)
	m.SetMessageIDWithValue(messageID)
	m.SetDate()
	m.SetBodyString(mail.TypeTextPlain, job.message.text)
	m.AddAlternativeString(mail.TypeTextHTML, job.message.html)
	if err := m.AttachReader(job.xmlName, bytes.NewReader(job.xml)); err != nil {
		return nil, err
	}
	if err := m.AttachReader(job.pdfName, bytes.NewReader(job.pdf)); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := m.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// finishDelivery records the delivery's outcome on the row, the invoice and the audit trail.
func (a *Publication) finishDelivery(ctx context.Context, invoiceID int64, seq int, status, detail string) error {
	err := a.Store.FinishDelivery(ctx, invoiceID, seq, status, detail)
	if err == nil {
		count(a.Meter, "billrun_deliveries_total", map[string]string{"status": status}, 1)
	}
	return err
}
