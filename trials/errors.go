package trials

import "github.com/hanok-dev/hanok"

// The errors of the trials mirror: the one place their words live. Stores
// return the ones about storage (wrapped with %w where context helps);
// the service the others.
var (
	// ErrTrialNotFound is the error of a trial that is not stored.
	ErrTrialNotFound = &hanok.Error{Code: hanok.NotFound, Message: "trial not found"}
	// ErrTrialExists is the error of inserting a trial whose number is
	// already stored.
	ErrTrialExists = &hanok.Error{Code: hanok.Conflict, Message: "a trial of that number is already stored"}
	// ErrRunNotFound is the error of a sync run that is not recorded.
	ErrRunNotFound = &hanok.Error{Code: hanok.NotFound, Message: "sync run not found"}
	// ErrSuperuserOnly is the error of a user who is not a superuser
	// asking to run a sync or to read the runs.
	ErrSuperuserOnly = &hanok.Error{Code: hanok.Forbidden, Message: "only a superuser may run a sync or read the sync runs"}
	// ErrSyncRunning is the error of a sync asked for while another runs:
	// the second request does not wait.
	ErrSyncRunning = &hanok.Error{Code: hanok.Conflict, Message: "a sync is already running"}
	// ErrNoSource is the error of a sync on a service without a Source.
	ErrNoSource = &hanok.Error{Code: hanok.Unavailable, Message: "no upstream source is configured"}
	// ErrInconsistent is the error of a sync whose upstream answered
	// pages that disagree with each other or with their records: a
	// totalCount that changes between pages, records fetched that are
	// not the totalCount, a currentCount that is not the page's records,
	// a key (과제번호) twice, or a record without one. The run fails and
	// changes nothing; the error it returns wraps this one with what
	// was wrong.
	ErrInconsistent = &hanok.Error{Code: hanok.Unavailable, Message: "the upstream's answer is not consistent; nothing was changed"}
	// ErrTooManyWithdrawals is the error of a sync that would withdraw a
	// larger share of the mirror than Config.MaxWithdraw allows, without
	// SyncOptions.Force. The run fails and changes nothing.
	ErrTooManyWithdrawals = &hanok.Error{Code: hanok.Unavailable, Message: "the sync would withdraw more trials than one run may; nothing was changed"}
)
