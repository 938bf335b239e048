package activities

import (
	"billrun/internal/model"
)

// BusinessOf exposes the mapping of errors to business errors.
func BusinessOf(step string, err error) *model.BusinessError { return businessOf(step, err) }
