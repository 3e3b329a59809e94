package trials

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hanok-dev/hanok"
)

// maxPages bounds a run: an upstream that keeps sending pages past its
// own total is not followed for ever.
const maxPages = 100_000

// Progress is what a running sync reports after each page.
type Progress struct {
	// Page is the number of pages fetched, Pages the number the upstream's
	// total makes (0 before the first page).
	Page  int
	Pages int
	// Records is the number of records fetched, Total the upstream's
	// count.
	Records int
	Total   int
}

// SyncOptions configures one RunSync.
type SyncOptions struct {
	// Progress, if not nil, is called after each page.
	Progress func(Progress)
	// Force lets the run withdraw more of the mirror than
	// Config.MaxWithdraw allows: for an operator who knows that the
	// upstream really dropped that many trials. It forces nothing else:
	// an inconsistent upstream still fails the run.
	Force bool
}

// Sync runs a sync now for actor, who must be a superuser, and returns
// when it ends. See RunSync.
func (s *Service) Sync(ctx context.Context, actor hanok.Actor, opts SyncOptions) (*Run, error) {
	if err := checkSuperuser(actor); err != nil {
		return nil, err
	}
	return s.RunSync(ctx, opts)
}

// checkSuperuser is the rule of the sync routes: a superuser's only.
func checkSuperuser(actor hanok.Actor) error {
	if err := actor.Check(); err != nil {
		return err
	}
	if !actor.Superuser {
		return ErrSuperuserOnly
	}
	return nil
}

// SyncResult is how a sync started with StartSync ended: the run as
// recorded, and the error RunSync would have returned.
type SyncResult struct {
	Run *Run
	Err error
}

// StartSync starts a sync for actor, who must be a superuser, and returns
// once the run is recorded as started (its ID set, for the caller to
// follow with Run), with a channel that receives how it ended. The run
// goes on in the background with a context that ctx's cancellation and
// deadline do not end (its values, such as a request id, are kept): a
// caller that stops waiting does not stop the run. The errors are those
// of RunSync that come before a run is recorded (ErrSyncRunning,
// ErrNoSource).
func (s *Service) StartSync(ctx context.Context, actor hanok.Actor, opts SyncOptions) (*Run, <-chan SyncResult, error) {
	if err := checkSuperuser(actor); err != nil {
		return nil, nil, err
	}
	run, release, err := s.begin(ctx)
	if err != nil {
		return nil, nil, err
	}
	started := *run
	done := make(chan SyncResult, 1)
	go func() {
		var res SyncResult
		func() {
			// The locks go before the result: whoever gets it may start
			// the next sync.
			defer release()
			res.Run, res.Err = s.run(context.WithoutCancel(ctx), run, opts)
		}()
		done <- res
	}()
	return &started, done, nil
}

// Run returns the sync run of id to actor, who must be a superuser; a
// run that goes on has no Finished time.
func (s *Service) Run(ctx context.Context, actor hanok.Actor, id RunID) (*Run, error) {
	if err := checkSuperuser(actor); err != nil {
		return nil, err
	}
	r, err := s.store.Run(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("trials: run %d: %w", id, err)
	}
	return r, nil
}

// RunSync fetches every upstream page, then applies them to the store in
// one transaction: new trials are inserted, changed ones updated (with a
// Change for each field that differs), and stored trials missing upstream
// marked withdrawn. It is what the schedule and the command line run.
//
// An upstream is not believed blindly, since what it leaves out is
// withdrawn. A run fails, with ErrInconsistent, and changes nothing,
// unless its answer is complete and consistent: every page gives the
// first page's totalCount, each page holds the records its currentCount
// says, the records fetched are totalCount, and every record has a key
// (과제번호) no other record has. And a run fails, with
// ErrTooManyWithdrawals, and changes nothing, if it would withdraw more
// than Config.MaxWithdraw of the trials that are not withdrawn, unless
// opts.Force is set.
//
// Only one sync runs at a time: while one runs, RunSync returns
// ErrSyncRunning at once. On a SharedStore this holds across all the
// processes that share it (the store's sync lock). Every run that gets to
// start is recorded as it starts and again as it ends, and returned; a
// failed one with its Error set next to the error (Unavailable for an
// upstream failure). A failed run, a canceled one included, changes no
// trial. A run left unfinished by a process that died is recorded as
// failed by the next run.
func (s *Service) RunSync(ctx context.Context, opts SyncOptions) (*Run, error) {
	run, release, err := s.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	return s.run(ctx, run, opts)
}

// msgInterrupted is the Error of a run that a dead process left
// unfinished, and msgCanceled that of a run whose context ended.
const (
	msgInterrupted = "interrupted: the process running it stopped before it ended; nothing was changed"
	msgCanceled    = "canceled before it ended; nothing was changed"
)

// begin takes the sync locks and records a new run as started. release
// gives the locks back.
func (s *Service) begin(ctx context.Context) (run *Run, release func(), err error) {
	if s.cfg.Source == nil {
		return nil, nil, ErrNoSource
	}
	if !s.syncing.TryLock() {
		return nil, nil, ErrSyncRunning
	}
	unlocks := []func(){s.syncing.Unlock}
	unlockAll := func() {
		for i := len(unlocks) - 1; i >= 0; i-- {
			unlocks[i]()
		}
	}
	defer func() {
		if err != nil {
			unlockAll()
		}
	}()
	if shared, ok := s.store.(SharedStore); ok {
		unlock, locked, err := shared.TryLockSync(ctx)
		if err != nil {
			return nil, nil, fmt.Errorf("trials: sync lock: %w", err)
		}
		if !locked {
			return nil, nil, ErrSyncRunning
		}
		unlocks = append(unlocks, unlock)
	}
	// Under the locks no run goes on: the newest one, if unfinished, was
	// left so by a process that died.
	last, err := s.store.Runs(ctx, 1)
	if err != nil {
		return nil, nil, fmt.Errorf("trials: last run: %w", err)
	}
	if len(last) == 1 && last[0].Running() {
		stale := last[0]
		stale.Finished, stale.Error = s.now(), msgInterrupted
		if err := s.store.FinishRun(ctx, &stale); err != nil {
			return nil, nil, fmt.Errorf("trials: finish the interrupted run %d: %w", stale.ID, err)
		}
		s.cfg.Logger.WarnContext(ctx, "trials: a run was left unfinished; recorded as interrupted", "run", stale.ID)
	}
	run = &Run{Started: s.now()}
	if err := s.store.BeginRun(ctx, run); err != nil {
		return nil, nil, fmt.Errorf("trials: begin a run: %w", err)
	}
	return run, unlockAll, nil
}

// run runs the sync of the begun run and records its end.
func (s *Service) run(ctx context.Context, run *Run, opts SyncOptions) (*Run, error) {
	records, err := s.fetch(ctx, run, opts)
	if err == nil {
		records, err = s.clean(records)
	}
	if err == nil {
		err = s.store.ApplySync(ctx, run, func(stored []Stored, load Load) (*Changeset, error) {
			cs, err := plan(stored, load, records, run, func(r Record, err error) {
				s.cfg.Logger.WarnContext(ctx, "trials: skipping an upstream record", "number", r.Number, "err", err)
			})
			if err == nil {
				err = s.checkWithdrawals(stored, run, opts.Force)
			}
			run.Finished = s.now()
			return cs, err
		})
	}
	if err != nil {
		run.Inserted, run.Changed, run.Unchanged, run.Withdrawn = 0, 0, 0, 0
		run.Finished = s.now()
		run.Error = hanok.MessageOf(err)
		rctx := ctx
		if ctx.Err() != nil {
			err = fmt.Errorf("trials: sync canceled: %w", errors.Join(ctx.Err(), err))
			run.Error = msgCanceled
			// The end of a canceled run is still recorded.
			var cancel context.CancelFunc
			rctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
		} else {
			err = fmt.Errorf("trials: sync: %w", err)
		}
		if rerr := s.store.FinishRun(rctx, run); rerr != nil {
			s.cfg.Logger.ErrorContext(ctx, "trials: recording a failed run", "run", run.ID, "err", rerr)
		}
		s.cfg.Logger.WarnContext(ctx, "trials: sync failed", "run", run.ID, "pages", run.Pages, "err", err)
		if s.cfg.OnRun != nil {
			s.cfg.OnRun(*run)
		}
		return run, err
	}
	s.cfg.Logger.InfoContext(ctx, "trials: sync done", "run", run.ID, "pages", run.Pages, "total", run.Total,
		"inserted", run.Inserted, "changed", run.Changed, "unchanged", run.Unchanged, "withdrawn", run.Withdrawn,
		"skipped", run.Skipped, "took", run.Finished.Sub(run.Started))
	if s.cfg.OnRun != nil {
		s.cfg.OnRun(*run)
	}
	return run, nil
}

// fetch reads the first page, then the others that the upstream's total
// makes, Config.FetchWorkers at a time (the source's own rate limit still
// holds). The first failure stops the fetch.
func (s *Service) fetch(ctx context.Context, run *Run, opts SyncOptions) ([]Record, error) {
	first, err := s.cfg.Source.Page(ctx, 1)
	if err != nil {
		return nil, err
	}
	run.Pages, run.Total = 1, first.Total
	if err := checkPage(first, 1, first.Total); err != nil {
		return nil, err
	}
	pages := 1
	per := first.PerPage
	if per <= 0 {
		// No page size given: the first page's is the page size.
		per = len(first.Records)
	}
	if per > 0 && first.Total > len(first.Records) {
		pages = (first.Total + per - 1) / per
	}
	if pages > maxPages {
		return nil, hanok.Errorf(hanok.Unavailable, "upstream: a total of %d records makes %d pages, more than %d", first.Total, pages, maxPages)
	}
	progress := func(done, records int) {
		if opts.Progress != nil {
			opts.Progress(Progress{Page: done, Pages: pages, Records: records, Total: first.Total})
		}
	}
	progress(1, len(first.Records))
	if pages == 1 {
		return first.Records, checkCount(len(first.Records), 1, first.Total)
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := make([][]Record, pages+1)
	results[1] = first.Records
	var (
		mu       sync.Mutex
		firstErr error
		done     = 1
		fetched  = len(first.Records)
	)
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(s.cfg.FetchWorkers, pages-1) {
		wg.Go(func() {
			for n := range next {
				p, err := s.cfg.Source.Page(ctx, n)
				if err == nil {
					err = checkPage(p, n, first.Total)
				}
				mu.Lock()
				if err != nil {
					if firstErr == nil {
						firstErr = err
						cancel()
					}
				} else {
					results[n] = p.Records
					done++
					fetched += len(p.Records)
					progress(done, fetched)
				}
				mu.Unlock()
			}
		})
	}
feed:
	for n := 2; n <= pages; n++ {
		select {
		case next <- n:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	run.Pages = done
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := checkCount(fetched, pages, first.Total); err != nil {
		return nil, err
	}
	records := make([]Record, 0, fetched)
	for _, rs := range results {
		records = append(records, rs...)
	}
	return records, nil
}

// inconsistent is ErrInconsistent saying what was wrong.
func inconsistent(format string, args ...any) error {
	return hanok.Wrap(hanok.Unavailable, ErrInconsistent, "the upstream's answer is not consistent ("+fmt.Sprintf(format, args...)+"); nothing was changed")
}

// checkPage checks page n's envelope against itself and the first page's
// total.
func checkPage(p *Page, n, total int) error {
	switch {
	case p.Total != total:
		return inconsistent("page %d says totalCount %d, page 1 said %d", n, p.Total, total)
	case p.Current != nil && *p.Current != len(p.Records):
		return inconsistent("page %d says currentCount %d and holds %d records", n, *p.Current, len(p.Records))
	}
	return nil
}

// checkCount checks the records fetched over pages against the total.
func checkCount(fetched, pages, total int) error {
	if fetched != total {
		return inconsistent("%d records over %d pages, and totalCount %d", fetched, pages, total)
	}
	return nil
}

// checkWithdrawals refuses a run that would withdraw more than
// Config.MaxWithdraw of the trials that are not withdrawn, unless forced.
func (s *Service) checkWithdrawals(stored []Stored, run *Run, force bool) error {
	if run.Withdrawn == 0 || force {
		return nil
	}
	active := 0
	for i := range stored {
		if !stored[i].Withdrawn {
			active++
		}
	}
	if limit := int(s.cfg.MaxWithdraw * float64(active)); run.Withdrawn > limit {
		return hanok.Wrap(hanok.Unavailable, ErrTooManyWithdrawals, fmt.Sprintf(
			"the sync would withdraw %d of the %d trials in the mirror, more than the %d (%g of them) one run may; nothing was changed (a forced sync may withdraw them)",
			run.Withdrawn, active, limit, s.cfg.MaxWithdraw))
	}
	return nil
}

// recordRule is what an upstream text field may hold.
var recordRule = hanok.TextRule{Max: 2000}

// check checks the text of r's fields.
func (r *Record) check() error {
	for _, f := range r.fields() {
		if err := hanok.CheckText(f.name, f.value, recordRule); err != nil {
			return err
		}
	}
	return nil
}

// clean checks that every record has a valid key (과제번호) that no other
// record has: a record without one could be a stored trial that would be
// withdrawn, and two records of one key say the upstream's pages moved
// under the fetch. Either fails the run. The other fields are checked by
// plan, for the records it stores.
func (s *Service) clean(records []Record) ([]Record, error) {
	index := make(map[string]int, len(records))
	missing := 0
	first := -1
	for i, r := range records {
		if err := hanok.CheckText("number", r.Number, hanok.TextRule{Min: 1, Max: 100}); err != nil {
			if missing++; first < 0 {
				first = i
			}
			continue
		}
		if j, ok := index[r.Number]; ok {
			return nil, inconsistent("과제번호 %s is the key of records %d and %d", strconv.Quote(r.Number), j+1, i+1)
		}
		index[r.Number] = i
	}
	if missing > 0 {
		return nil, inconsistent("%d records without a valid 과제번호, the first record %d", missing, first+1)
	}
	return records, nil
}

// plan compares the stored trials with the fetched records and says what
// changes, filling run's counts. It is the one place the sync's rules
// live; stores run it inside their transaction. A record whose digest is
// the stored one is unchanged; the others are compared field by field
// with the stored trial, loaded whole. A record to store whose text is not
// valid is skipped (and given to skip).
func plan(stored []Stored, load Load, fetched []Record, run *Run, skip func(Record, error)) (*Changeset, error) {
	now := run.Started
	cs := &Changeset{Seen: now}
	byNumber := make(map[string]*Stored, len(stored))
	for i := range stored {
		byNumber[stored[i].Number] = &stored[i]
	}
	changed := map[ID]Record{}
	var ids []ID
	for _, r := range fetched {
		// What is left in byNumber afterwards was not found upstream.
		old, ok := byNumber[r.Number]
		delete(byNumber, r.Number)
		if ok && old.Digest == r.Digest() && !old.Withdrawn {
			run.Unchanged++
			continue
		}
		if err := r.check(); err != nil {
			run.Skipped++
			skip(r, err)
			if ok && !old.Withdrawn {
				// Still upstream: neither changed nor withdrawn.
				run.Unchanged++
			}
			continue
		}
		switch {
		case !ok:
			t := FromRecord(r)
			t.FirstSeen, t.LastChanged, t.LastSeen = now, now, now
			cs.Insert = append(cs.Insert, t)
			run.Inserted++
		default:
			changed[old.ID] = r
			ids = append(ids, old.ID)
		}
	}
	for i := range stored {
		if _, missing := byNumber[stored[i].Number]; missing && !stored[i].Withdrawn {
			ids = append(ids, stored[i].ID)
		}
	}
	if len(ids) == 0 {
		return cs, nil
	}
	olds, err := load(ids)
	if err != nil {
		return nil, fmt.Errorf("trials: loading %d changed trials: %w", len(ids), err)
	}
	slices.SortFunc(olds, func(a, b Trial) int { return strings.Compare(a.Number, b.Number) })
	for _, old := range olds {
		r, ok := changed[old.ID]
		if !ok {
			old.Withdrawn = true
			cs.Update = append(cs.Update, old)
			cs.Changes = append(cs.Changes, Change{Number: old.Number, Field: FieldWithdrawn, Old: "false", New: "true", At: now})
			run.Withdrawn++
			continue
		}
		oldRec := old.Record()
		before, after := oldRec.fields(), r.fields()
		n := len(cs.Changes)
		for i := range after {
			if before[i].value != after[i].value {
				cs.Changes = append(cs.Changes, Change{Number: r.Number, Field: after[i].name, Old: before[i].value, New: after[i].value, At: now})
			}
		}
		if old.Withdrawn {
			cs.Changes = append(cs.Changes, Change{Number: r.Number, Field: FieldWithdrawn, Old: "true", New: "false", At: now})
		}
		t := FromRecord(r)
		t.ID, t.FirstSeen, t.LastChanged, t.LastSeen = old.ID, old.FirstSeen, old.LastChanged, now
		if len(cs.Changes) == n {
			// Same fields, another digest (one stored by an older
			// program): rewritten, not changed.
			cs.Update = append(cs.Update, t)
			run.Unchanged++
			continue
		}
		t.LastChanged = now
		cs.Update = append(cs.Update, t)
		run.Changed++
	}
	return cs, nil
}
