// Package trials is a mirror of the Korean clinical-trial registry (the
// public-data API "임상연구 과제정보", dataset 3074271): the trial records,
// a Source that pages through the upstream API, sync runs that apply what
// the upstream holds to the store in one transaction with field-by-field
// change detection and a change history, a daily schedule, queries (by key,
// updated recently, search) and CSV/XLSX export.
//
// The upstream client is in the odcloud sub-package; stores are in
// storage/memory, storage/sqlite and storage/postgres (a SharedStore, for
// several servers on one database); the HTTP adapter is
// adapters/trialshttp.
package trials

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// ID is a trial's internal id, assigned by the store when the trial is
// first seen.
type ID int64

// RunID identifies a sync run.
type RunID int64

// Record is one upstream record as the upstream sends it: nine text
// fields, "" when empty. Number (과제번호) is the key.
type Record struct {
	Number     string // 과제번호
	Title      string // 과제명
	Department string // 진료과
	Institute  string // 연구책임기관
	TargetSize string // 전체목표연구대상자수
	Duration   string // 연구기간
	StudyType  string // 연구종류
	Phase      string // 임상시험단계(연구모형)
	Scope      string // 연구범위
}

// Clone returns a copy of t that shares no memory with it.
func (t Trial) Clone() Trial {
	if t.TargetSize != nil {
		n := *t.TargetSize
		t.TargetSize = &n
	}
	if t.DurationMonths != nil {
		n := *t.DurationMonths
		t.DurationMonths = &n
	}
	return t
}

// Trial is a stored trial: the upstream fields, typed where they have a
// type, and what the mirror knows about its life upstream.
type Trial struct {
	ID         ID
	Number     string // 과제번호, the upstream key
	Title      string // 과제명
	Department string // 진료과
	Institute  string // 연구책임기관
	// TargetSize is 전체목표연구대상자수 when it reads as a number;
	// TargetSizeText is the text as it came.
	TargetSize     *int
	TargetSizeText string
	// Duration is 연구기간 as it came ("3년", "11개월", "");
	// DurationMonths is its length in months when it reads as one.
	Duration       string
	DurationMonths *int
	StudyType      string // 연구종류
	Phase          string // 임상시험단계(연구모형)
	Scope          string // 연구범위

	// FirstSeen is the start of the run that first stored the trial.
	FirstSeen time.Time
	// LastChanged is the start of the last run in which a field changed
	// (the first run counts as one) or in which it came back after being
	// withdrawn.
	LastChanged time.Time
	// LastSeen is the start of the last run that found it upstream.
	LastSeen time.Time
	// Withdrawn is set when the trial is missing upstream, and cleared
	// when it comes back.
	Withdrawn bool
}

// The names of the fields a Change records.
const (
	FieldTitle      = "title"
	FieldDepartment = "department"
	FieldInstitute  = "institute"
	FieldTargetSize = "target_size"
	FieldDuration   = "duration"
	FieldStudyType  = "study_type"
	FieldPhase      = "phase"
	FieldScope      = "scope"
	// FieldWithdrawn records a withdrawal ("false" -> "true") or a return.
	FieldWithdrawn = "withdrawn"
)

// Change is one field of one trial changed by one run.
type Change struct {
	Number string
	Run    RunID
	Field  string
	Old    string
	New    string
	// At is the start of the run.
	At time.Time
}

// Run is the record of one sync run. A run is recorded when it starts
// (Store.BeginRun) and again when it ends.
type Run struct {
	ID      RunID
	Started time.Time
	// Finished is the zero time while the run goes on.
	Finished time.Time
	// Pages is the number of pages fetched; Total the upstream's
	// totalCount.
	Pages int
	Total int
	// What the run did to the store; all zero for a failed run.
	Inserted  int
	Changed   int
	Unchanged int
	Withdrawn int
	// Skipped counts upstream records that could not be stored (text
	// that is not valid), each logged.
	Skipped int
	// Error is "" for a run that succeeded (or goes on), else why it
	// failed; a failed run changed no trial.
	Error string
}

// Running reports whether r has not ended.
func (r *Run) Running() bool { return r.Finished.IsZero() }

// Filter selects trials for Store.Trials. Text fields are matched against
// the folded (hanok.Fold) stored values: Title and Institute as substrings, the
// others as whole values; "" matches everything. Every field given must
// match.
type Filter struct {
	Title      string
	Department string
	Institute  string
	StudyType  string
	Phase      string
	Scope      string
	// ChangedSince, if not zero, keeps the trials whose LastChanged is at
	// or after it.
	ChangedSince time.Time
	// IncludeWithdrawn keeps withdrawn trials too.
	IncludeWithdrawn bool
	// Offset and Limit page the result; Limit 0 means no limit.
	Offset int
	Limit  int
}

// PageTotal is the number of trials f matches, when a page of n trials
// read with f tells it (the page is not full, or f reads from the start
// and found none); known is false when the store must count them.
func (f Filter) PageTotal(n int) (total int, known bool) {
	switch {
	case f.Limit <= 0 || n > 0 && n < f.Limit:
		return f.Offset + n, true
	case n == 0 && f.Offset == 0:
		return 0, true
	}
	return 0, false
}

// Changeset is what a sync does to the store, computed by Plan inside the
// store's transaction.
type Changeset struct {
	// Insert are new trials (ID 0: the store assigns it).
	Insert []Trial
	// Update are stored trials (by ID) with new values.
	Update []Trial
	// Changes are the history entries; the store sets their Run.
	Changes []Change
	// Seen is the run's start: after Insert and Update, the store sets
	// LastSeen to Seen on every trial that is not withdrawn (they are
	// exactly the trials the run found upstream).
	Seen time.Time
}

// Stored is what a sync first compares of a stored trial: its key, the
// Digest of its record, and whether it is withdrawn. Only the trials whose
// digest differs are loaded whole.
type Stored struct {
	ID        ID
	Number    string
	Digest    string
	Withdrawn bool
}

// Load returns the stored trials of ids (in any order), or
// ErrTrialNotFound if one is not stored.
type Load func(ids []ID) ([]Trial, error)

// Store is the persistence of the trials mirror. Its errors are this
// package's (ErrTrialNotFound, ErrTrialExists, ErrRunNotFound), wrapped
// or not; times come back in UTC, to the microsecond at least.
type Store interface {
	// BeginRun records run as started (it has no Finished time yet),
	// setting run.ID.
	BeginRun(ctx context.Context, run *Run) error
	// ApplySync runs one sync in one transaction: it calls plan with every
	// stored trial (withdrawn ones too) as Stored, and a Load that reads
	// whole trials in the same transaction; it writes the Changeset plan
	// returns, and records the end of run (begun with BeginRun: its row
	// is the one of run.ID, else ErrRunNotFound) with the counts and the
	// Finished time plan left in it. If plan fails, nothing is written.
	// The store keeps each trial's Digest (of t.Record()) as it writes
	// it.
	ApplySync(ctx context.Context, run *Run, plan func(stored []Stored, load Load) (*Changeset, error)) error
	// FinishRun records the end of a run that changed nothing (a failed
	// one), begun with BeginRun; ErrRunNotFound if it was not.
	FinishRun(ctx context.Context, run *Run) error
	// Run returns the run of id, or ErrRunNotFound.
	Run(ctx context.Context, id RunID) (*Run, error)
	// Trial returns the trial of id, or ErrTrialNotFound.
	Trial(ctx context.Context, id ID) (*Trial, error)
	// TrialByNumber returns the trial of the upstream number, or
	// ErrTrialNotFound.
	TrialByNumber(ctx context.Context, number string) (*Trial, error)
	// Trials returns the trials that match f, ordered by LastChanged
	// (newest first) then Number, paged by f.Offset and f.Limit, and the
	// number that match without paging.
	Trials(ctx context.Context, f Filter) ([]Trial, int, error)
	// History returns the changes of the trial of number, newest first
	// (the latest run first, then in the order they were recorded); none
	// for an unknown number.
	History(ctx context.Context, number string) ([]Change, error)
	// Runs returns the last limit runs, newest first.
	Runs(ctx context.Context, limit int) ([]Run, error)
}

// SharedStore is a Store that several processes share (storage/postgres
// implements it). On such a store the Service, besides its own lock,
// holds the store's sync lock for every run, so that one sync runs at a
// time across all processes (the others get ErrSyncRunning at once, as in
// one process), and the schedule claims each day in the store before it
// runs, so that the daily sync runs once a day across all processes, not
// once per process. A Store of one process (memory, SQLite) need not
// implement it: the Service's own lock and schedule are enough there.
type SharedStore interface {
	Store
	// TryLockSync takes the store's sync lock without waiting: ok is
	// false when another process holds it. unlock releases it; the lock
	// is also released when the process dies.
	TryLockSync(ctx context.Context) (unlock func(), ok bool, err error)
	// ClaimScheduledSync claims the scheduled sync of day (a date
	// "2006-01-02" in the schedule's zone): true for the first claim of
	// the day by any process, false after.
	ClaimScheduledSync(ctx context.Context, day string) (bool, error)
}

// Page is one page of upstream records.
type Page struct {
	// Number is the page number (from 1), PerPage the page size asked
	// for, Total the upstream's count of every record.
	Number  int
	PerPage int
	Total   int
	// Current is the number of records the page says it holds (the
	// upstream's currentCount), nil when it does not say.
	Current *int
	Records []Record
}

// Source gives the upstream records a page at a time. Pages are numbered
// from 1.
type Source interface {
	Page(ctx context.Context, n int) (*Page, error)
}

// FromRecord returns the trial of an upstream record (without ID or
// times).
func FromRecord(r Record) Trial {
	return Trial{
		Number:         r.Number,
		Title:          r.Title,
		Department:     r.Department,
		Institute:      r.Institute,
		TargetSize:     ParseCount(r.TargetSize),
		TargetSizeText: r.TargetSize,
		Duration:       r.Duration,
		DurationMonths: ParseMonths(r.Duration),
		StudyType:      r.StudyType,
		Phase:          r.Phase,
		Scope:          r.Scope,
	}
}

// Record returns the upstream record of t.
func (t *Trial) Record() Record {
	return Record{
		Number:     t.Number,
		Title:      t.Title,
		Department: t.Department,
		Institute:  t.Institute,
		TargetSize: t.TargetSizeText,
		Duration:   t.Duration,
		StudyType:  t.StudyType,
		Phase:      t.Phase,
		Scope:      t.Scope,
	}
}

// Digest is a fingerprint of the record's fields: two 64-bit FNV-1a
// hashes (of different bases) over each field and its length, in hex. Two
// records of one number with the same digest have the same fields.
func (r Record) Digest() string {
	const prime = 1099511628211
	h1, h2 := uint64(14695981039346656037), uint64(0x9ae16a3b2f90404f)
	add := func(b byte) {
		h1 = (h1 ^ uint64(b)) * prime
		h2 = (h2 ^ uint64(b)) * prime
		h2 ^= h2 >> 29
	}
	for _, f := range [9]string{r.Number, r.Title, r.Department, r.Institute, r.TargetSize, r.Duration, r.StudyType, r.Phase, r.Scope} {
		n := len(f)
		for range 4 {
			add(byte(n))
			n >>= 8
		}
		for i := 0; i < len(f); i++ {
			add(f[i])
		}
	}
	var sum [16]byte
	binary.BigEndian.PutUint64(sum[:8], h1)
	binary.BigEndian.PutUint64(sum[8:], h2)
	return hex.EncodeToString(sum[:])
}

// fields lists a record's compared fields with their Change names.
func (r *Record) fields() [8]struct{ name, value string } {
	return [8]struct{ name, value string }{
		{FieldTitle, r.Title},
		{FieldDepartment, r.Department},
		{FieldInstitute, r.Institute},
		{FieldTargetSize, r.TargetSize},
		{FieldDuration, r.Duration},
		{FieldStudyType, r.StudyType},
		{FieldPhase, r.Phase},
		{FieldScope, r.Scope},
	}
}

// ParseCount reads a count leniently: "120", " 1,200 ", "1200명" -> 1200;
// nil for "" or anything else.
func ParseCount(s string) *int {
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(s, "명")
	s = strings.ReplaceAll(strings.TrimSpace(s), ",", "")
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return nil
	}
	return &n
}

// ParseMonths reads a duration in years and months: "3년" -> 36,
// "11개월" -> 11, "1년 6개월" -> 18, "24 개월" -> 24; nil for "" or
// anything else.
func ParseMonths(s string) *int {
	rest := strings.TrimSpace(s)
	if rest == "" {
		return nil
	}
	total, parts := 0, 0
	for rest != "" {
		i := strings.IndexFunc(rest, func(r rune) bool { return !unicode.IsDigit(r) })
		if i <= 0 {
			return nil
		}
		n, err := strconv.Atoi(rest[:i])
		if err != nil || n > 10000 {
			return nil
		}
		rest = strings.TrimLeft(rest[i:], " ")
		switch {
		case strings.HasPrefix(rest, "개월"):
			total += n
			rest = rest[len("개월"):]
		case strings.HasPrefix(rest, "년"):
			total += 12 * n
			rest = rest[len("년"):]
		case strings.HasPrefix(rest, "월"):
			total += n
			rest = rest[len("월"):]
		default:
			return nil
		}
		rest = strings.TrimPrefix(rest, "간")
		rest = strings.TrimLeft(rest, " ")
		parts++
	}
	if parts == 0 {
		return nil
	}
	return &total
}
