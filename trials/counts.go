package trials

import "time"

// ChangeCount is how many trials of a filter last changed at At.
type ChangeCount struct {
	At time.Time
	N  int
}

// ChangeCounts are the counts of a filter's trials by LastChanged. A
// trial's LastChanged is the start of a sync run, so there are as many
// counts as runs that changed something (a few hundred a year), not as
// many as trials, and they change only when a run ends: a store computes
// them once per run and filter and answers the total of any time window
// (Filter.ChangedSince) with Since, without counting the window's trials
// at every request.
type ChangeCounts []ChangeCount

// Since returns how many trials changed at or after t.
func (c ChangeCounts) Since(t time.Time) int {
	n := 0
	for _, cc := range c {
		if !cc.At.Before(t) {
			n += cc.N
		}
	}
	return n
}

// CountsKey is f without its time window and paging: the filter whose
// ChangeCounts give f's total.
func CountsKey(f Filter) Filter {
	f.ChangedSince, f.Offset, f.Limit = time.Time{}, 0, 0
	return f
}
