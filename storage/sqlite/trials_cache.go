package sqlite

import (
	"slices"
	"time"

	"github.com/hanok-dev/hanok/trials"
)

// trialsCache caches the trials' reads (readCache): single trials by id
// and by number, histories, pages of searches and of time windows with
// their totals, and the change counts that give a window's total and its
// lower bound.
//
// The trials change only in the transaction that ends a sync run (by
// this process or another on the same file, such as trials-sync), so the
// count of ended runs is the domain's write count.
type trialsCache struct {
	trials  readCache[trialKey, cachedTrial]
	history readCache[string, []trials.Change]
	// pages are keyed by the filter as read: a window's ChangedSince is
	// its lower bound (windowBound), so that every request between the
	// same two run starts reads the same key.
	pages  readCache[trials.Filter, cachedList]
	counts readCache[trials.Filter, cachedCounts]
}

// trialKey is a single trial's key: its id, or (id 0) its number.
type trialKey struct {
	id     trials.ID
	number string
}

// cachedTrial is a single trial, or none (ok false).
type cachedTrial struct {
	t  trials.Trial
	ok bool
}

type cachedList struct {
	trials []trials.Trial
	total  int
}

// cachedCounts are the change counts of a filter (trials.CountsKey) and
// the number of ended runs when they were read, which tells a read
// transaction whether they still hold in its snapshot.
type cachedCounts struct {
	counts trials.ChangeCounts
	runs   int64
}

// Bounds of the trials' read cache: a page holds up to trials.MaxLimit
// trials (a full one is about 60 KB).
const (
	maxCachedTrialPages = 512
	maxCachedCounts     = 512
)

// trialsCountsQuery reads the count of ended sync runs, in the two
// columns a readCache reads.
const trialsCountsQuery = `SELECT count(finished), 0 FROM trial_runs`

// trialsRunsQuery reads the count of ended sync runs inside a read
// transaction.
const trialsRunsQuery = `SELECT count(finished) FROM trial_runs`

func (c *trialsCache) init() {
	c.trials.query = trialsCountsQuery
	c.history.query = trialsCountsQuery
	c.pages.query, c.pages.max = trialsCountsQuery, maxCachedTrialPages
	c.counts.query, c.counts.max = trialsCountsQuery, maxCachedCounts
}

func (c *trialsCache) bump() {
	c.trials.bump()
	c.history.bump()
	c.pages.bump()
	c.counts.bump()
}

// windowBound returns the lower bound of the window of f
// (f.ChangedSince) in terms of the run starts the trials of f's filter
// last changed at: the earliest of counts at or after it. A trial's
// LastChanged is always one of them, so f with ChangedSince set to the
// bound reads the same page and the same total as f; ok is false when
// no trial of the filter changed in the window.
func windowBound(counts trials.ChangeCounts, since time.Time) (bound time.Time, ok bool) {
	for _, cc := range counts {
		if !cc.At.Before(since) && (!ok || cc.At.Before(bound)) {
			bound, ok = cc.At, true
		}
	}
	return bound, ok
}

// cacheablePage reports whether the page of f is kept in the cache: a
// page of a list, not an export.
func cacheablePage(f *trials.Filter) bool { return f.Limit > 0 && f.Limit <= trials.MaxLimit }

// copyTrials copies ts and what their pointers point to (as
// trials.Trial.Clone does), the numbers in one allocation.
func copyTrials(ts []trials.Trial) []trials.Trial {
	out := append(make([]trials.Trial, 0, len(ts)), ts...)
	n := 0
	for i := range out {
		if out[i].TargetSize != nil {
			n++
		}
		if out[i].DurationMonths != nil {
			n++
		}
	}
	ints := make([]int, 0, n)
	ptr := func(p *int) *int {
		ints = append(ints, *p)
		return &ints[len(ints)-1]
	}
	for i := range out {
		t := &out[i]
		if t.TargetSize != nil {
			t.TargetSize = ptr(t.TargetSize)
		}
		if t.DurationMonths != nil {
			t.DurationMonths = ptr(t.DurationMonths)
		}
	}
	return out
}

// copyChanges copies a history (a Change holds no pointers).
func copyChanges(cs []trials.Change) []trials.Change { return slices.Clone(cs) }
