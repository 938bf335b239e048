package activities

import (
	"context"
	"time"

	"billrun/internal/model"
)

// BusinessOf exposes the mapping of errors to business errors.
func BusinessOf(step string, err error) *model.BusinessError { return businessOf(step, err) }

// DeliverOnOneSession makes the deliveries in order the way a delivery pass's worker does:
// on one SMTP session, kept from one message to the next; between runs after each.
func (a *Publication) DeliverOnOneSession(ctx context.Context, ds []Delivery, between func()) error {
	s := &smtpSession{mail: a.Mail}
	defer s.close()
	for _, d := range ds {
		if err := a.deliver(ctx, d, s); err != nil {
			return err
		}
		between()
	}
	return nil
}

// KeepAliveEvery exposes a pass's heartbeats, at a test's pace.
func KeepAliveEvery(ctx context.Context, every time.Duration, progress func() string) (stop func()) {
	return keepAliveEvery(ctx, every, progress)
}
