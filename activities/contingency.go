package activities

import (
	"context"
	"errors"
)

// ContingencyDocuments names contingency documents (Uruguay: paper documents on DGI's
// contingency series, recorded by billrun invoice contingency import) to send to DGI.
type ContingencyDocuments struct {
	InvoiceIDs []int64 `json:"invoice_ids"`
}

// StampContingency sends the sealed contingency documents among the ones named to DGI as
// CFE, in envelopes of up to 250 of one issuer and CFE type, as the publication sends a
// batch's (recorded before they are sent, DGI's ACKSobre and ACKCFE kept, each document
// stamped or refused by its own answer); none is held for a fuller envelope. DGI out of
// reach, or an envelope it has not answered yet, ends the attempt with an error Temporal
// retries — from the time DGI gave to ask, else with backoff; nothing is sent twice —, so
// they go when the service is back.
func (a *Publication) StampContingency(ctx context.Context, in ContingencyDocuments) (PublishResult, error) {
	rest, enveloped, envErr := a.stampEnvelopes(ctx, "", in.InvoiceIDs)
	res, err := a.stampPass(ctx, rest)
	res.Processed += enveloped
	if err == nil {
		err = envErr
	}
	var wait *awaitingDGI
	if errors.As(err, &wait) {
		return res, a.awaitDGI(ctx, "", res.Processed, wait) // asked again from the time DGI gave
	}
	return res, err
}
