package trials

import (
	"context"
	"errors"
	"fmt"
	"time"
	_ "time/tzdata" // the schedule's zone must load on machines without a zone database

	"github.com/hanok-dev/hanok"
)

// ScheduleZone is the zone of a schedule's time of day: the registry's.
const ScheduleZone = "Asia/Seoul"

// Schedule is a time of day at which a sync runs every day.
type Schedule struct {
	Hour, Minute int
	// Location is the zone of Hour and Minute (Asia/Seoul when nil).
	Location *time.Location
}

// ParseSchedule reads a time of day "HH:MM" (24-hour) in Asia/Seoul.
func ParseSchedule(s string) (Schedule, error) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		return Schedule{}, hanok.Errorf(hanok.Invalid, "sync time %q: want HH:MM (00:00 to 23:59)", s)
	}
	loc, err := time.LoadLocation(ScheduleZone)
	if err != nil {
		return Schedule{}, fmt.Errorf("trials: load %s: %w", ScheduleZone, err)
	}
	return Schedule{Hour: t.Hour(), Minute: t.Minute(), Location: loc}, nil
}

// String returns "HH:MM Zone".
func (sc Schedule) String() string {
	return fmt.Sprintf("%02d:%02d %s", sc.Hour, sc.Minute, sc.location())
}

func (sc Schedule) location() *time.Location {
	if sc.Location != nil {
		return sc.Location
	}
	if loc, err := time.LoadLocation(ScheduleZone); err == nil {
		return loc
	}
	return time.FixedZone("KST", 9*60*60)
}

// Next returns the first time of the schedule strictly after t.
func (sc Schedule) Next(t time.Time) time.Time {
	loc := sc.location()
	local := t.In(loc)
	next := time.Date(local.Year(), local.Month(), local.Day(), sc.Hour, sc.Minute, 0, 0, loc)
	for !next.After(t) {
		local = local.AddDate(0, 0, 1)
		next = time.Date(local.Year(), local.Month(), local.Day(), sc.Hour, sc.Minute, 0, 0, loc)
	}
	return next
}

// RunDaily runs a sync at every time of sc until ctx is done, then
// returns nil. A failed run is logged and the schedule goes on; a run due
// while another sync (one asked for by hand) is running is skipped. On a
// SharedStore each day's run is claimed in the store first, so that of
// the processes sharing it one runs it and the others skip it.
func (s *Service) RunDaily(ctx context.Context, sc Schedule) error {
	for {
		now := s.cfg.Now()
		next := sc.Next(now)
		s.cfg.Logger.InfoContext(ctx, "trials: next scheduled sync", "at", next.Format(time.RFC3339))
		select {
		case <-ctx.Done():
			return nil
		case <-s.cfg.After(next.Sub(now)):
		}
		if !s.claim(ctx, sc, next) {
			continue
		}
		_, err := s.RunSync(ctx, SyncOptions{})
		switch {
		case ctx.Err() != nil:
			return nil
		case errors.Is(err, ErrSyncRunning):
			s.cfg.Logger.InfoContext(ctx, "trials: scheduled sync skipped: another sync is running")
		case err != nil:
			s.cfg.Logger.ErrorContext(ctx, "trials: scheduled sync failed", "err", err)
		}
	}
}

// claim reports whether the run of sc due at next is this process's to
// run: always on a Store of one process; on a SharedStore when this
// process is the first to claim its day. A failed claim is logged and the
// run skipped.
func (s *Service) claim(ctx context.Context, sc Schedule, next time.Time) bool {
	shared, ok := s.store.(SharedStore)
	if !ok {
		return true
	}
	day := next.In(sc.location()).Format(time.DateOnly)
	claimed, err := shared.ClaimScheduledSync(ctx, day)
	switch {
	case ctx.Err() != nil:
		return false
	case err != nil:
		s.cfg.Logger.ErrorContext(ctx, "trials: scheduled sync skipped: claiming the day failed", "day", day, "err", err)
		return false
	case !claimed:
		s.cfg.Logger.InfoContext(ctx, "trials: scheduled sync skipped: another server has run it", "day", day)
		return false
	}
	return true
}
