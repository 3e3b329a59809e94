package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/trials"
)

// TrialsStore is the trials.Store of a DB. It is a trials.SharedStore:
// a sync holds a session-level advisory lock for its whole run (fetch
// and apply), so that of the servers on one database one syncs at a time
// and the others are refused at once; the daily scheduled sync claims its
// day with a row of trial_schedule_claims, so that one server runs it.
//
// The session lock needs a session: behind a pooler in transaction mode
// (PgBouncer's pool_mode=transaction) it does not hold, and servers must
// connect to PostgreSQL directly or through session pooling. A sync holds
// one of the pool's connections for its run and applies on another, so
// the pool needs at least two (WithMaxConns(1) would make it wait on
// itself until its context ends).
type TrialsStore struct {
	db *DB

	// counts are the change counts of the filters of time windows
	// (trials.CountsKey) of one generation of the data, the number of
	// sync runs that have ended (by any server): the total of a window is
	// their sum over its runs, not a count of its trials.
	mu     sync.Mutex
	gen    int64
	counts map[trials.Filter]trials.ChangeCounts
}

// maxCounts is the most filters whose change counts are kept.
const maxCounts = 512

var _ trials.SharedStore = (*TrialsStore)(nil)

// Trials returns the database's trials store.
func (db *DB) Trials() *TrialsStore { return &TrialsStore{db: db} }

// The first keys of the trials' advisory locks; the second is the hash
// of the schema, as for migrationLock.
const (
	// trialsSyncLock is held (session level) for a whole sync run.
	trialsSyncLock = 0x74726961 // "tria"
	// trialsApplyLock is held (transaction level) by ApplySync, so that
	// two applies, even without the sync lock, run one after the other.
	trialsApplyLock = 0x74726170 // "trap"
)

// TryLockSync implements trials.SharedStore with pg_try_advisory_lock on
// a connection taken from the pool for the run. Unlocking returns the
// connection; if the unlock fails the connection is closed, which
// releases the lock too.
func (s *TrialsStore) TryLockSync(ctx context.Context) (unlock func(), ok bool, err error) {
	c, err := s.db.pool.Acquire(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("postgres: sync lock: %w", err)
	}
	if err := c.QueryRow(ctx, `SELECT pg_try_advisory_lock($1, hashtext(current_schema()))`, int32(trialsSyncLock)).Scan(&ok); err != nil {
		c.Release()
		return nil, false, fmt.Errorf("postgres: sync lock: %w", err)
	}
	if !ok {
		c.Release()
		return nil, false, nil
	}
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var released bool
		err := c.QueryRow(ctx, `SELECT pg_advisory_unlock($1, hashtext(current_schema()))`, int32(trialsSyncLock)).Scan(&released)
		if err != nil || !released {
			_ = c.Conn().Close(ctx)
		}
		c.Release()
	}, true, nil
}

// ClaimScheduledSync implements trials.SharedStore: the first INSERT of
// the day wins.
func (s *TrialsStore) ClaimScheduledSync(ctx context.Context, day string) (bool, error) {
	if _, err := time.Parse(time.DateOnly, day); err != nil {
		return false, fmt.Errorf("postgres: claim the sync of %q: %w", day, err)
	}
	tag, err := s.db.pool.Exec(ctx, `INSERT INTO trial_schedule_claims (day) VALUES ($1::date) ON CONFLICT (day) DO NOTHING`, day)
	if err != nil {
		return false, fmt.Errorf("postgres: claim the sync of %s: %w", day, err)
	}
	return tag.RowsAffected() == 1, nil
}

// trialColumns are what scanTrial reads. A trial that is not withdrawn
// was last seen by the last sync (trials_seen), which is not written into
// every row.
const trialColumns = `id, number, title, department, institute, target_size, target_size_text, duration, duration_months,
	study_type, phase, scope, first_seen, last_changed,
	CASE WHEN NOT withdrawn THEN greatest(last_seen, (SELECT at FROM trials_seen WHERE id = 1)) ELSE last_seen END,
	withdrawn`

// collectTrial is scanTrial for pgx.CollectRows.
func collectTrial(r pgx.CollectableRow) (trials.Trial, error) { return scanTrial(r) }

// scanTrial reads trialColumns.
func scanTrial(sc pgx.Row) (trials.Trial, error) {
	var t trials.Trial
	var size, months *int32
	var first, changed, seen *time.Time
	err := sc.Scan(&t.ID, &t.Number, &t.Title, &t.Department, &t.Institute, &size, &t.TargetSizeText, &t.Duration, &months,
		&t.StudyType, &t.Phase, &t.Scope, &first, &changed, &seen, &t.Withdrawn)
	t.TargetSize, t.DurationMonths = intOrNil(size), intOrNil(months)
	t.FirstSeen, t.LastChanged, t.LastSeen = utc(first), utc(changed), utc(seen)
	return t, err
}

func intOrNil(p *int32) *int {
	if p == nil {
		return nil
	}
	n := int(*p)
	return &n
}

func nullInt(p *int) any {
	if p == nil {
		return nil
	}
	return int32(*p)
}

// trialWriteColumns are the columns trialValues gives, in its order.
var trialWriteColumns = []string{"number", "title", "department", "institute", "target_size", "target_size_text", "duration", "duration_months",
	"study_type", "phase", "scope", "digest", "title_key", "department_key", "institute_key", "study_type_key", "phase_key", "scope_key",
	"first_seen", "last_changed", "last_seen", "withdrawn"}

// trialValues are the values of trialWriteColumns of t.
func trialValues(t *trials.Trial) []any {
	return []any{
		t.Number, t.Title, t.Department, t.Institute, nullInt(t.TargetSize), t.TargetSizeText, t.Duration, nullInt(t.DurationMonths),
		t.StudyType, t.Phase, t.Scope, t.Record().Digest(),
		hanok.Fold(t.Title), hanok.Fold(t.Department), hanok.Fold(t.Institute), hanok.Fold(t.StudyType), hanok.Fold(t.Phase), hanok.Fold(t.Scope),
		nullTime(t.FirstSeen), nullTime(t.LastChanged), nullTime(t.LastSeen), t.Withdrawn,
	}
}

// updateTrial sets trialWriteColumns ($1...$22) of the trial of id $23.
var updateTrial = func() string {
	sets := make([]string, len(trialWriteColumns))
	for i, c := range trialWriteColumns {
		sets[i] = c + " = $" + strconv.Itoa(i+1)
	}
	return `UPDATE trials SET ` + strings.Join(sets, ", ") + ` WHERE id = $` + strconv.Itoa(len(trialWriteColumns)+1)
}()

const (
	insertRun = `INSERT INTO trial_runs (started, finished, pages, total, inserted, changed, unchanged, withdrawn, skipped, error)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`
	updateRun = `UPDATE trial_runs SET started = $1, finished = $2, pages = $3, total = $4, inserted = $5, changed = $6,
	unchanged = $7, withdrawn = $8, skipped = $9, error = $10 WHERE id = $11`
	runColumns = `id, started, finished, pages, total, inserted, changed, unchanged, withdrawn, skipped, error`
)

func runValues(r *trials.Run) []any {
	return []any{nullTime(r.Started), nullTime(r.Finished), r.Pages, r.Total, r.Inserted, r.Changed, r.Unchanged, r.Withdrawn, r.Skipped, r.Error}
}

// scanRun reads runColumns.
func scanRun(row pgx.Row) (trials.Run, error) {
	var r trials.Run
	var started, finished *time.Time
	err := row.Scan(&r.ID, &started, &finished, &r.Pages, &r.Total, &r.Inserted, &r.Changed, &r.Unchanged, &r.Withdrawn, &r.Skipped, &r.Error)
	r.Started, r.Finished = utc(started), utc(finished)
	return r, err
}

// finishRun writes the end of run into its row.
func finishRun(ctx context.Context, q querier, run *trials.Run) error {
	tag, err := q.Exec(ctx, updateRun, append(runValues(run), int64(run.ID))...)
	if err != nil {
		return fmt.Errorf("postgres: update trial run %d: %w", run.ID, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: run %d: %w", run.ID, trials.ErrRunNotFound)
	}
	return nil
}

// ApplySync implements trials.Store: everything, from reading the stored
// trials to recording the run, happens in one transaction, under a
// transaction-level advisory lock so that two applies do not interleave.
// New trials and changes are written with COPY, updates in one batch.
func (s *TrialsStore) ApplySync(ctx context.Context, run *trials.Run, plan func([]trials.Stored, trials.Load) (*trials.Changeset, error)) error {
	return s.db.write(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext(current_schema()))`, int32(trialsApplyLock)); err != nil {
			return fmt.Errorf("postgres: trials apply lock: %w", err)
		}
		stored, err := storedTrials(ctx, tx)
		if err != nil {
			return err
		}
		cs, err := plan(stored, func(ids []trials.ID) ([]trials.Trial, error) { return loadTrials(ctx, tx, ids) })
		if err != nil {
			return err
		}
		if err := finishRun(ctx, tx, run); err != nil {
			return err
		}
		return writeChangeset(ctx, tx, run.ID, cs)
	})
}

func storedTrials(ctx context.Context, tx pgx.Tx) ([]trials.Stored, error) {
	rows, _ := tx.Query(ctx, `SELECT id, number, digest, withdrawn FROM trials ORDER BY id`)
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (trials.Stored, error) {
		var st trials.Stored
		err := r.Scan(&st.ID, &st.Number, &st.Digest, &st.Withdrawn)
		return st, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: select trials: %w", err)
	}
	return out, nil
}

// loadTrials reads the trials of ids, or NotFound if one is not stored.
func loadTrials(ctx context.Context, tx pgx.Tx, ids []trials.ID) ([]trials.Trial, error) {
	keys := make([]int64, len(ids))
	for i, id := range ids {
		keys[i] = int64(id)
	}
	rows, _ := tx.Query(ctx, `SELECT `+trialColumns+` FROM trials WHERE id = ANY($1)`, keys)
	out, err := pgx.CollectRows(rows, collectTrial)
	if err != nil {
		return nil, fmt.Errorf("postgres: select trials: %w", err)
	}
	if len(out) != len(ids) {
		return nil, fmt.Errorf("postgres: %d of %d trials: %w", len(ids)-len(out), len(ids), trials.ErrTrialNotFound)
	}
	return out, nil
}

func writeChangeset(ctx context.Context, tx pgx.Tx, run trials.RunID, cs *trials.Changeset) error {
	if len(cs.Insert) > 0 {
		rows := make([][]any, len(cs.Insert))
		for i := range cs.Insert {
			rows[i] = trialValues(&cs.Insert[i])
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"trials"}, trialWriteColumns, pgx.CopyFromRows(rows)); err != nil {
			if isUnique(err) {
				return fmt.Errorf("postgres: insert trials: %w", trials.ErrTrialExists)
			}
			return fmt.Errorf("postgres: insert trials: %w", err)
		}
	}
	if len(cs.Update) > 0 {
		b := &pgx.Batch{}
		for i := range cs.Update {
			t := &cs.Update[i]
			b.Queue(updateTrial, append(trialValues(t), int64(t.ID))...)
		}
		br := tx.SendBatch(ctx, b)
		for i := range cs.Update {
			t := &cs.Update[i]
			tag, err := br.Exec()
			if err != nil {
				br.Close()
				if isUnique(err) {
					return fmt.Errorf("postgres: trial %s: %w", t.Number, trials.ErrTrialExists)
				}
				return fmt.Errorf("postgres: update trial %d: %w", t.ID, err)
			}
			if tag.RowsAffected() == 0 {
				br.Close()
				return fmt.Errorf("postgres: trial %d: %w", t.ID, trials.ErrTrialNotFound)
			}
		}
		if err := br.Close(); err != nil {
			return fmt.Errorf("postgres: update trials: %w", err)
		}
	}
	if len(cs.Changes) > 0 {
		rows := make([][]any, len(cs.Changes))
		for i, c := range cs.Changes {
			rows[i] = []any{c.Number, int64(run), c.Field, c.Old, c.New, nullTime(c.At)}
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"trial_changes"}, []string{"number", "run_id", "field", "old", "new", "at"}, pgx.CopyFromRows(rows)); err != nil {
			return fmt.Errorf("postgres: insert changes: %w", err)
		}
	}
	if _, err := tx.Exec(ctx, `INSERT INTO trials_seen (id, at) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET at = excluded.at`,
		nullTime(cs.Seen)); err != nil {
		return fmt.Errorf("postgres: mark trials seen: %w", err)
	}
	return nil
}

// BeginRun implements trials.Store.
func (s *TrialsStore) BeginRun(ctx context.Context, run *trials.Run) error {
	begun := *run
	begun.Finished = time.Time{}
	var id trials.RunID
	if err := s.db.pool.QueryRow(ctx, insertRun, runValues(&begun)...).Scan(&id); err != nil {
		return fmt.Errorf("postgres: insert trial run: %w", err)
	}
	run.ID = id
	return nil
}

// FinishRun implements trials.Store.
func (s *TrialsStore) FinishRun(ctx context.Context, run *trials.Run) error {
	return finishRun(ctx, s.db.pool, run)
}

// Run implements trials.Store.
func (s *TrialsStore) Run(ctx context.Context, id trials.RunID) (*trials.Run, error) {
	r, err := scanRun(s.db.pool.QueryRow(ctx, `SELECT `+runColumns+` FROM trial_runs WHERE id = $1`, int64(id)))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("postgres: run %d: %w", id, trials.ErrRunNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: select trial run %d: %w", id, err)
	}
	return &r, nil
}

// Trial implements trials.Store.
func (s *TrialsStore) Trial(ctx context.Context, id trials.ID) (*trials.Trial, error) {
	t, err := scanTrial(s.db.pool.QueryRow(ctx, `SELECT `+trialColumns+` FROM trials WHERE id = $1`, int64(id)))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("postgres: trial %d: %w", id, trials.ErrTrialNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: select trial %d: %w", id, err)
	}
	return &t, nil
}

// TrialByNumber implements trials.Store.
func (s *TrialsStore) TrialByNumber(ctx context.Context, number string) (*trials.Trial, error) {
	t, err := scanTrial(s.db.pool.QueryRow(ctx, `SELECT `+trialColumns+` FROM trials WHERE number = $1`, number))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("postgres: trial %q: %w", number, trials.ErrTrialNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: select trial %q: %w", number, err)
	}
	return &t, nil
}

// trialsWhere is the WHERE clause of f and its arguments ($1...).
func trialsWhere(f *trials.Filter) (string, []any) {
	var conds []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if !f.IncludeWithdrawn {
		conds = append(conds, "NOT withdrawn")
	}
	if !f.ChangedSince.IsZero() {
		conds = append(conds, "last_changed >= "+arg(f.ChangedSince))
	}
	// strpos, not LIKE: a % or _ in a search is a character to find.
	for _, c := range []struct{ col, v string }{{"title_key", f.Title}, {"institute_key", f.Institute}} {
		if c.v != "" {
			conds = append(conds, "strpos("+c.col+", "+arg(c.v)+") > 0")
		}
	}
	for _, c := range []struct{ col, v string }{
		{"department_key", f.Department}, {"study_type_key", f.StudyType}, {"phase_key", f.Phase}, {"scope_key", f.Scope},
	} {
		if c.v != "" {
			conds = append(conds, c.col+" = "+arg(c.v))
		}
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// Trials implements trials.Store: the page in the order of the
// trials_listed index and the total, in one snapshot. The total of a time
// window is the sum of its runs' change counts (changeCounts); that of
// any other filter, the count of the matches when the page does not tell
// it (a full page, or one past the end).
func (s *TrialsStore) Trials(ctx context.Context, f trials.Filter) ([]trials.Trial, int, error) {
	where, args := trialsWhere(&f)
	var limit any // NULL: no limit
	if f.Limit > 0 {
		limit = f.Limit
	}
	n := len(args)
	page := `SELECT ` + trialColumns + ` FROM trials` + where + ` ORDER BY last_changed DESC, number LIMIT $` + strconv.Itoa(n+1) + ` OFFSET $` + strconv.Itoa(n+2)
	var out []trials.Trial
	total := 0
	err := s.db.read(ctx, func(tx pgx.Tx) error {
		total = 0
		rows, _ := tx.Query(ctx, page, append(args[:n:n], limit, f.Offset)...)
		var err error
		if out, err = pgx.CollectRows(rows, collectTrial); err != nil {
			return fmt.Errorf("postgres: select trials: %w", err)
		}
		if !f.ChangedSince.IsZero() {
			counts, err := s.changeCounts(ctx, tx, f)
			total = counts.Since(f.ChangedSince)
			return err
		}
		if n, known := f.PageTotal(len(out)); known {
			total = n
			return nil
		}
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM trials`+where, args...).Scan(&total); err != nil {
			return fmt.Errorf("postgres: count trials: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// changeCounts returns the change counts of f's filter without its
// window (trials.CountsKey), read in tx: from memory when no run has
// ended since they were counted, else by one GROUP BY, so that the total
// of a window costs the same however many trials it holds.
func (s *TrialsStore) changeCounts(ctx context.Context, tx pgx.Tx, f trials.Filter) (trials.ChangeCounts, error) {
	var gen int64
	if err := tx.QueryRow(ctx, `SELECT count(finished) FROM trial_runs`).Scan(&gen); err != nil {
		return nil, fmt.Errorf("postgres: newest trial run: %w", err)
	}
	key := trials.CountsKey(f)
	s.mu.Lock()
	if s.gen != gen {
		s.gen, s.counts = gen, nil
	}
	counts, ok := s.counts[key]
	s.mu.Unlock()
	if ok {
		return counts, nil
	}
	where, args := trialsWhere(&key)
	rows, err := tx.Query(ctx, `SELECT last_changed, count(*) FROM trials`+where+` GROUP BY last_changed`, args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: count trials: %w", err)
	}
	counts, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (trials.ChangeCount, error) {
		var c trials.ChangeCount
		err := row.Scan(&c.At, &c.N)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: count trials: %w", err)
	}
	s.mu.Lock()
	if s.gen == gen {
		if s.counts == nil || len(s.counts) >= maxCounts {
			s.counts = map[trials.Filter]trials.ChangeCounts{}
		}
		s.counts[key] = counts
	}
	s.mu.Unlock()
	return counts, nil
}

// History implements trials.Store.
func (s *TrialsStore) History(ctx context.Context, number string) ([]trials.Change, error) {
	rows, err := s.db.pool.Query(ctx, `SELECT number, run_id, field, old, new, at FROM trial_changes
		WHERE number = $1 ORDER BY run_id DESC, id`, number)
	if err != nil {
		return nil, fmt.Errorf("postgres: select history of %q: %w", number, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (trials.Change, error) {
		var c trials.Change
		var at *time.Time
		err := row.Scan(&c.Number, &c.Run, &c.Field, &c.Old, &c.New, &at)
		c.At = utc(at)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: select history of %q: %w", number, err)
	}
	if out == nil {
		out = []trials.Change{}
	}
	return out, nil
}

// Runs implements trials.Store.
func (s *TrialsStore) Runs(ctx context.Context, limit int) ([]trials.Run, error) {
	rows, err := s.db.pool.Query(ctx, `SELECT `+runColumns+` FROM trial_runs ORDER BY id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: select trial runs: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (trials.Run, error) { return scanRun(row) })
	if err != nil {
		return nil, fmt.Errorf("postgres: select trial runs: %w", err)
	}
	if out == nil {
		out = []trials.Run{}
	}
	return out, nil
}
