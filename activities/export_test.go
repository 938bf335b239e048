package activities

// SetAfterSend lets tests fail a delivery between the SMTP server's acceptance and its record.
func SetAfterSend(a *Activities, f func() error) { a.afterSend = f }
