package trials

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/hanok-dev/hanok"
)

// ErrSyncRunning is the error of a sync asked for while another runs: the
// second request does not wait.
var ErrSyncRunning = &hanok.Error{Code: hanok.Conflict, Message: "a sync is already running"}

// ErrNoSource is the error of a sync on a service without a Source.
var ErrNoSource = &hanok.Error{Code: hanok.Unavailable, Message: "no upstream source is configured"}

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
}

// Sync runs a sync now for actor, who must be a superuser. See RunSync.
func (s *Service) Sync(ctx context.Context, actor hanok.Actor) (*Run, error) {
	if err := actor.Check(); err != nil {
		return nil, err
	}
	if !actor.Superuser {
		return nil, hanok.Errorf(hanok.Forbidden, "only a superuser may run a sync")
	}
	return s.RunSync(ctx, SyncOptions{})
}

// RunSync fetches every upstream page, then applies them to the store in
// one transaction: new trials are inserted, changed ones updated (with a
// Change for each field that differs), and stored trials missing upstream
// marked withdrawn. It is what the schedule and the command line run.
//
// Only one sync runs at a time: while one runs, RunSync returns
// ErrSyncRunning at once. Every run that gets to start is recorded and
// returned, a failed one with its Error set next to the error (Unavailable
// for an upstream failure); a failed run changes no trial. A run canceled
// through ctx is not recorded.
func (s *Service) RunSync(ctx context.Context, opts SyncOptions) (*Run, error) {
	if s.cfg.Source == nil {
		return nil, ErrNoSource
	}
	if !s.syncing.TryLock() {
		return nil, ErrSyncRunning
	}
	defer s.syncing.Unlock()

	run := &Run{Started: s.now()}
	records, err := s.fetch(ctx, run, opts)
	if err == nil {
		records, err = s.clean(ctx, run, records)
	}
	if err == nil {
		err = s.store.ApplySync(ctx, run, func(stored []Stored, load Load) (*Changeset, error) {
			cs, err := plan(stored, load, records, run)
			run.Finished = s.now()
			return cs, err
		})
	}
	if err != nil {
		run.Inserted, run.Changed, run.Unchanged, run.Withdrawn = 0, 0, 0, 0
		run.Finished = s.now()
		run.Error = hanok.MessageOf(err)
		if ctx.Err() != nil {
			return run, fmt.Errorf("trials: sync canceled: %w", errors.Join(ctx.Err(), err))
		}
		if rerr := s.store.RecordRun(ctx, run); rerr != nil {
			s.cfg.Logger.ErrorContext(ctx, "trials: recording a failed run", "err", rerr)
		}
		s.cfg.Logger.WarnContext(ctx, "trials: sync failed", "run", run.ID, "pages", run.Pages, "err", err)
		return run, fmt.Errorf("trials: sync: %w", err)
	}
	s.cfg.Logger.InfoContext(ctx, "trials: sync done", "run", run.ID, "pages", run.Pages, "total", run.Total,
		"inserted", run.Inserted, "changed", run.Changed, "unchanged", run.Unchanged, "withdrawn", run.Withdrawn,
		"skipped", run.Skipped, "took", run.Finished.Sub(run.Started))
	return run, nil
}

// fetch reads pages until one is empty or the pages cover the upstream's
// total.
func (s *Service) fetch(ctx context.Context, run *Run, opts SyncOptions) ([]Record, error) {
	var records []Record
	for n := 1; n <= maxPages; n++ {
		p, err := s.cfg.Source.Page(ctx, n)
		if err != nil {
			return nil, err
		}
		run.Pages = n
		run.Total = p.Total
		if records == nil {
			// Room for every record the upstream says it has (within
			// reason), so that a large registry is not copied page by page.
			records = make([]Record, 0, max(len(p.Records), min(p.Total, 1_000_000)))
		}
		records = append(records, p.Records...)
		pages := 0
		if p.PerPage > 0 {
			pages = (p.Total + p.PerPage - 1) / p.PerPage
		}
		if opts.Progress != nil {
			opts.Progress(Progress{Page: n, Pages: pages, Records: len(records), Total: p.Total})
		}
		if len(p.Records) == 0 || p.PerPage <= 0 || n*p.PerPage >= p.Total {
			return records, nil
		}
	}
	return nil, hanok.Errorf(hanok.Unavailable, "upstream: still sending pages after %d", maxPages)
}

// recordRule is what an upstream text field may hold.
var recordRule = hanok.TextRule{Max: 2000}

// clean drops the records that cannot be stored, logging each: no number,
// or a field that is not valid text. A number seen twice keeps its last
// record.
func (s *Service) clean(ctx context.Context, run *Run, records []Record) ([]Record, error) {
	index := make(map[string]int, len(records))
	out := records[:0]
	for i, r := range records {
		err := hanok.CheckText("number", r.Number, hanok.TextRule{Min: 1, Max: 100})
		for _, f := range r.fields() {
			if err != nil {
				break
			}
			err = hanok.CheckText(f.name, f.value, recordRule)
		}
		if err != nil {
			run.Skipped++
			s.cfg.Logger.WarnContext(ctx, "trials: skipping an upstream record", "index", i, "number", strconv.Quote(r.Number), "err", err)
			continue
		}
		if j, ok := index[r.Number]; ok {
			s.cfg.Logger.WarnContext(ctx, "trials: upstream sent a number twice; keeping the later record", "number", r.Number)
			out[j] = r
			continue
		}
		index[r.Number] = len(out)
		out = append(out, r)
	}
	return out, nil
}

// plan compares the stored trials with the fetched records and says what
// changes, filling run's counts. It is the one place the sync's rules
// live; stores run it inside their transaction. A record whose digest is
// the stored one is unchanged; the others are compared field by field
// with the stored trial, loaded whole.
func plan(stored []Stored, load Load, fetched []Record, run *Run) (*Changeset, error) {
	now := run.Started
	cs := &Changeset{Seen: now}
	byNumber := make(map[string]*Stored, len(stored))
	for i := range stored {
		byNumber[stored[i].Number] = &stored[i]
	}
	found := make(map[string]bool, len(fetched))
	changed := map[ID]Record{}
	var ids []ID
	for _, r := range fetched {
		found[r.Number] = true
		old, ok := byNumber[r.Number]
		switch {
		case !ok:
			t := FromRecord(r)
			t.FirstSeen, t.LastChanged, t.LastSeen = now, now, now
			cs.Insert = append(cs.Insert, t)
			run.Inserted++
		case old.Digest == r.Digest() && !old.Withdrawn:
			run.Unchanged++
		default:
			changed[old.ID] = r
			ids = append(ids, old.ID)
		}
	}
	for i := range stored {
		if !found[stored[i].Number] && !stored[i].Withdrawn {
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
