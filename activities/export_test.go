package activities

import (
	"context"

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
