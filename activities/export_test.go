package activities

import (
	"time"

	"billrun/internal/model"
)

// SetAfterSend lets tests fail a delivery between the SMTP server's acceptance and its record.
func SetAfterSend(a *Activities, f func() error) { a.afterSend = f }

// SetPlanChunk makes planning select size sources per chunk and, when fail is set, fail
// after the chunk it names (a worker killed mid-plan).
func SetPlanChunk(a *Activities, size int, fail func(n int) error) {
	a.selectChunkSize, a.afterChunk = size, fail
}

// SetClock sets the time documents are issued at.
func SetClock(a *Activities, now func() time.Time) { a.clock = now }

// BusinessOf exposes the mapping of errors to business errors.
func BusinessOf(step string, err error) *model.BusinessError { return businessOf(step, err) }
