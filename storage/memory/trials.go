package memory

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/trials"
)

// TrialsStore is an in-memory trials.Store.
type TrialsStore struct {
	mu       sync.Mutex
	nextID   trials.ID
	byID     map[trials.ID]*trials.Trial
	byNumber map[string]trials.ID
	digests  map[trials.ID]string
	history  map[string][]trials.Change // oldest first
	runs     []trials.Run               // oldest first
	// all is every trial in list order (LastChanged newest first, then
	// Number), active those of them that are not withdrawn; both nil
	// when a sync has written since they were sorted.
	all, active []*trials.Trial
}

var _ trials.Store = (*TrialsStore)(nil)

// NewTrialsStore returns an empty TrialsStore.
func NewTrialsStore() *TrialsStore {
	return &TrialsStore{
		byID:     map[trials.ID]*trials.Trial{},
		byNumber: map[string]trials.ID{},
		digests:  map[trials.ID]string{},
		history:  map[string][]trials.Change{},
	}
}

// Trials returns the database's trials store.
func (db *DB) Trials() *TrialsStore {
	return db.store("trials", func() any { return NewTrialsStore() }).(*TrialsStore)
}

// copyTrial returns a copy of t that shares nothing with it.
func copyTrial(t trials.Trial) trials.Trial {
	t = t.Clone()
	t.FirstSeen, t.LastChanged, t.LastSeen = t.FirstSeen.UTC(), t.LastChanged.UTC(), t.LastSeen.UTC()
	return t
}

// ApplySync implements trials.Store. plan runs under the store's lock, so
// no other write comes between what it read and what it wrote.
func (s *TrialsStore) ApplySync(ctx context.Context, run *trials.Run, plan func([]trials.Stored, trials.Load) (*trials.Changeset, error)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	stored := make([]trials.Stored, 0, len(s.byID))
	for _, t := range s.byID {
		stored = append(stored, trials.Stored{ID: t.ID, Number: t.Number, Digest: s.digests[t.ID], Withdrawn: t.Withdrawn})
	}
	slices.SortFunc(stored, func(a, b trials.Stored) int { return cmp.Compare(a.ID, b.ID) })
	load := func(ids []trials.ID) ([]trials.Trial, error) {
		out := make([]trials.Trial, 0, len(ids))
		for _, id := range ids {
			t, ok := s.byID[id]
			if !ok {
				return nil, fmt.Errorf("trial %d: %w", id, trials.ErrTrialNotFound)
			}
			out = append(out, copyTrial(*t))
		}
		return out, nil
	}
	cs, err := plan(stored, load)
	if err != nil {
		return err
	}
	// Check before writing anything, so that a failure leaves the store
	// as it was.
	i, err := s.runIndex(run.ID)
	if err != nil {
		return err
	}
	for _, t := range cs.Update {
		if _, ok := s.byID[t.ID]; !ok {
			return fmt.Errorf("trial %d: %w", t.ID, trials.ErrTrialNotFound)
		}
	}
	for _, t := range cs.Insert {
		if _, ok := s.byNumber[t.Number]; ok {
			return fmt.Errorf("trial %s: %w", t.Number, trials.ErrTrialExists)
		}
	}
	r := *run
	r.Started, r.Finished = r.Started.UTC(), r.Finished.UTC()
	s.runs[i] = r
	for _, t := range cs.Insert {
		s.nextID++
		c := copyTrial(t)
		c.ID = s.nextID
		s.byID[c.ID] = &c
		s.byNumber[c.Number] = c.ID
		s.digests[c.ID] = c.Record().Digest()
	}
	for _, t := range cs.Update {
		c := copyTrial(t)
		old := s.byID[t.ID]
		if old.Number != c.Number {
			delete(s.byNumber, old.Number)
			s.byNumber[c.Number] = c.ID
		}
		s.byID[c.ID] = &c
		s.digests[c.ID] = c.Record().Digest()
	}
	for _, ch := range cs.Changes {
		ch.Run = r.ID
		ch.At = ch.At.UTC()
		s.history[ch.Number] = append(s.history[ch.Number], ch)
	}
	seen := cs.Seen.UTC()
	for _, t := range s.byID {
		if !t.Withdrawn {
			t.LastSeen = seen
		}
	}
	s.all, s.active = nil, nil
	return nil
}

// runIndex is the index in s.runs of the run of id (ids are 1, 2, ...).
func (s *TrialsStore) runIndex(id trials.RunID) (int, error) {
	if id < 1 || int(id) > len(s.runs) {
		return 0, fmt.Errorf("run %d: %w", id, trials.ErrRunNotFound)
	}
	return int(id) - 1, nil
}

// BeginRun implements trials.Store.
func (s *TrialsStore) BeginRun(ctx context.Context, run *trials.Run) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r := *run
	r.ID = trials.RunID(len(s.runs) + 1)
	r.Started, r.Finished = r.Started.UTC(), time.Time{}
	s.runs = append(s.runs, r)
	run.ID = r.ID
	return nil
}

// FinishRun implements trials.Store.
func (s *TrialsStore) FinishRun(ctx context.Context, run *trials.Run) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	i, err := s.runIndex(run.ID)
	if err != nil {
		return err
	}
	r := *run
	r.Started, r.Finished = r.Started.UTC(), r.Finished.UTC()
	s.runs[i] = r
	return nil
}

// Run implements trials.Store.
func (s *TrialsStore) Run(_ context.Context, id trials.RunID) (*trials.Run, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i, err := s.runIndex(id)
	if err != nil {
		return nil, err
	}
	r := s.runs[i]
	return &r, nil
}

// Trial implements trials.Store.
func (s *TrialsStore) Trial(_ context.Context, id trials.ID) (*trials.Trial, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.byID[id]
	if !ok {
		return nil, fmt.Errorf("trial %d: %w", id, trials.ErrTrialNotFound)
	}
	c := copyTrial(*t)
	return &c, nil
}

// TrialByNumber implements trials.Store.
func (s *TrialsStore) TrialByNumber(_ context.Context, number string) (*trials.Trial, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.byNumber[number]
	if !ok {
		return nil, fmt.Errorf("trial %q: %w", number, trials.ErrTrialNotFound)
	}
	c := copyTrial(*s.byID[id])
	return &c, nil
}

func matches(t *trials.Trial, f *trials.Filter) bool {
	switch {
	case t.Withdrawn && !f.IncludeWithdrawn,
		!f.ChangedSince.IsZero() && t.LastChanged.Before(f.ChangedSince),
		f.Title != "" && !strings.Contains(hanok.Fold(t.Title), f.Title),
		f.Institute != "" && !strings.Contains(hanok.Fold(t.Institute), f.Institute),
		f.Department != "" && hanok.Fold(t.Department) != f.Department,
		f.StudyType != "" && hanok.Fold(t.StudyType) != f.StudyType,
		f.Phase != "" && hanok.Fold(t.Phase) != f.Phase,
		f.Scope != "" && hanok.Fold(t.Scope) != f.Scope:
		return false
	}
	return true
}

// Trials implements trials.Store. The trials are sorted in list order
// once per sync; a list of the trials that are not withdrawn, in a time
// window or not, is then a binary search and a slice, whatever the
// number of trials, and any other filter a pass in order.
func (s *TrialsStore) Trials(_ context.Context, f trials.Filter) ([]trials.Trial, int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.all == nil {
		s.sortTrials()
	}
	var hits []*trials.Trial
	if trials.CountsKey(f) == (trials.Filter{}) {
		hits = s.active
		if !f.ChangedSince.IsZero() {
			n, _ := slices.BinarySearchFunc(hits, f.ChangedSince, func(t *trials.Trial, since time.Time) int {
				// Newest first: the trials changed at or after since
				// come first.
				if t.LastChanged.Before(since) {
					return 1
				}
				return -1
			})
			hits = hits[:n]
		}
	} else {
		for _, t := range s.all {
			if matches(t, &f) {
				hits = append(hits, t)
			}
		}
	}
	total := len(hits)
	hits = hits[min(f.Offset, total):]
	if f.Limit > 0 && len(hits) > f.Limit {
		hits = hits[:f.Limit]
	}
	out := make([]trials.Trial, len(hits))
	for i, t := range hits {
		out[i] = copyTrial(*t)
	}
	return out, total, nil
}

// sortTrials sets s.all and s.active. s.mu must be held.
func (s *TrialsStore) sortTrials() {
	s.all = make([]*trials.Trial, 0, len(s.byID))
	for _, t := range s.byID {
		s.all = append(s.all, t)
	}
	slices.SortFunc(s.all, func(a, b *trials.Trial) int {
		if c := b.LastChanged.Compare(a.LastChanged); c != 0 {
			return c
		}
		return strings.Compare(a.Number, b.Number)
	})
	s.active = make([]*trials.Trial, 0, len(s.all))
	for _, t := range s.all {
		if !t.Withdrawn {
			s.active = append(s.active, t)
		}
	}
}

// History implements trials.Store.
func (s *TrialsStore) History(_ context.Context, number string) ([]trials.Change, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.history[number]
	out := make([]trials.Change, 0, len(h))
	// Newest run first; within a run, in the order recorded.
	for end := len(h); end > 0; {
		start := end - 1
		for start > 0 && h[start-1].Run == h[end-1].Run {
			start--
		}
		out = append(out, h[start:end]...)
		end = start
	}
	return out, nil
}

// Runs implements trials.Store.
func (s *TrialsStore) Runs(_ context.Context, limit int) ([]trials.Run, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []trials.Run{}
	for i := len(s.runs) - 1; i >= 0 && len(out) < limit; i-- {
		out = append(out, s.runs[i])
	}
	return out, nil
}
