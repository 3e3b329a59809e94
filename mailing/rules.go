package mailing

// The life of a campaign, decided here and nowhere else:
//
//	queued ──first claim──▶ sending ──no delivery pending──▶ done
//	   │                       │
//	   └──────── cancel ───────┴──▶ cancelled
//
// A campaign created with no active subscriber is done at once. The
// stores apply these rules inside their transactions; where one must run
// in SQL over many rows (settling the campaigns left without a pending
// delivery when subscribers are deleted or unsubscribe), the Store
// method's doc states it and mailingtest checks it on every store.

// Claimed is the status of a campaign of status s once one of its
// deliveries has been claimed: queued becomes sending.
func (s CampaignStatus) Claimed() CampaignStatus {
	if s == CampaignQueued {
		return CampaignSending
	}
	return s
}

// Settled is the status of a campaign of status s with pending
// deliveries still pending: a queued or sending campaign with none is
// done.
func (s CampaignStatus) Settled(pending int) CampaignStatus {
	if pending == 0 && (s == CampaignQueued || s == CampaignSending) {
		return CampaignDone
	}
	return s
}

// Cancel returns the status of a cancelled campaign of status s, or
// ErrCampaignDone or ErrCampaignCancelled when it cannot be cancelled.
func (s CampaignStatus) Cancel() (CampaignStatus, error) {
	switch s {
	case CampaignDone:
		return s, ErrCampaignDone
	case CampaignCancelled:
		return s, ErrCampaignCancelled
	}
	return CampaignCancelled, nil
}
