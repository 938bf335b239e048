package activities

import (
	"context"
	"net"
	"net/smtp"
	"time"
)

// sessionMessages is how many messages one SMTP connection carries before it is closed and
// the next message dials anew: servers limit messages per connection (commonly 100 and
// up), and a long-lived connection spreads nothing over a relay's other servers.
const sessionMessages = 50

// smtpSession is the SMTP connection a delivery pass's worker keeps for its next messages:
// the greeting, STARTTLS and AUTH once per connection, not once per message. A message that
// ends in anything but the server's acceptance closes it (the next dials anew), as does a
// connection the server dropped meanwhile (RSET fails).
type smtpSession struct {
	mail MailConfig
	c    *smtp.Client
	conn net.Conn
	sent int
}

// client is the session's connection, ready for MAIL FROM, dialled when it has none.
func (s *smtpSession) client(ctx context.Context) (*smtp.Client, error) {
	if s.c != nil {
		_ = s.conn.SetDeadline(time.Now().Add(SMTPSessionTimeout)) // each message has the whole session's time
		if err := s.c.Reset(); err == nil {
			return s.c, nil
		}
		s.close()
	}
	c, conn, err := dialSMTP(ctx, s.mail)
	if err != nil {
		return nil, err
	}
	s.c, s.conn, s.sent = c, conn, 0
	return c, nil
}

// done ends a message on the session: accepted, the connection is kept for the next one
// (up to sessionMessages); otherwise it is closed.
func (s *smtpSession) done(accepted bool) {
	s.sent++
	if !accepted || s.sent >= sessionMessages {
		s.close()
	}
}

// close says QUIT (within 2 s: the server's answer changes nothing) and closes.
func (s *smtpSession) close() {
	if s.c == nil {
		return
	}
	_ = s.conn.SetDeadline(time.Now().Add(2 * time.Second))
	_ = s.c.Quit()
	_ = s.c.Close()
	s.c, s.conn = nil, nil
}

// sessions is a pool of n SMTP sessions a pass's workers take and give back.
type sessions chan *smtpSession

func newSessions(m MailConfig, n int) sessions {
	p := make(sessions, n)
	for range n {
		p <- &smtpSession{mail: m}
	}
	return p
}

// closeAll closes every session once the pass is over.
func (p sessions) closeAll() {
	for range cap(p) {
		(<-p).close()
	}
}
