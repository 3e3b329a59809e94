package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/trials"
)

// TrialsStore is the trials.Store of a DB. It keeps its read queries
// prepared on the read pool (parsing a query costs more than running
// these), so a program takes one store from DB.Trials and keeps it. Its
// reads are answered from the DB's read cache (trials_cache.go) between
// two ends of sync runs.
type TrialsStore struct {
	db    *DB
	stmts sync.Map // query text -> *sql.Stmt on the read pool
}

var _ trials.Store = (*TrialsStore)(nil)

// Trials returns a trials store of the database.
func (db *DB) Trials() *TrialsStore { return &TrialsStore{db: db} }

// stmt returns query prepared on the read pool.
func (s *TrialsStore) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := s.stmts.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := s.db.reader.PrepareContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("sqlite: prepare: %w", err)
	}
	if prev, loaded := s.stmts.LoadOrStore(query, st); loaded {
		st.Close()
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

// queryRow runs a one-row read with a prepared statement.
func (s *TrialsStore) queryRow(ctx context.Context, query string, args ...any) (*sql.Row, error) {
	st, err := s.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryRowContext(ctx, args...), nil
}

func nullInt(p *int) any {
	if p == nil {
		return nil
	}
	return int64(*p)
}

func intOrNil(v sql.NullInt64) *int {
	if !v.Valid {
		return nil
	}
	n := int(v.Int64)
	return &n
}

// trialColumns are what scanTrial reads. A trial that is not withdrawn
// was last seen by the last sync (trials_seen), which is not written into
// every row.
const trialColumns = `id, number, title, department, institute, target_size, target_size_text, duration, duration_months,
	study_type, phase, scope, first_seen, last_changed,
	CASE WHEN withdrawn = 0 THEN max(last_seen, coalesce((SELECT at FROM trials_seen WHERE id = 1), 0)) ELSE last_seen END,
	withdrawn`

// scanTrial reads trialColumns.
func scanTrial(sc scanner) (trials.Trial, error) {
	var t trials.Trial
	var size, months sql.NullInt64
	var first, changed, seen sql.NullInt64
	err := sc.Scan(&t.ID, &t.Number, &t.Title, &t.Department, &t.Institute, &size, &t.TargetSizeText, &t.Duration, &months,
		&t.StudyType, &t.Phase, &t.Scope, &first, &changed, &seen, &t.Withdrawn)
	t.TargetSize, t.DurationMonths = intOrNil(size), intOrNil(months)
	t.FirstSeen, t.LastChanged, t.LastSeen = fromNanos(first), fromNanos(changed), fromNanos(seen)
	return t, err
}

// trialValues are the columns after id, in the order of the INSERT and
// UPDATE statements below.
func trialValues(t *trials.Trial) []any {
	return []any{
		t.Number, t.Title, t.Department, t.Institute, nullInt(t.TargetSize), t.TargetSizeText, t.Duration, nullInt(t.DurationMonths),
		t.StudyType, t.Phase, t.Scope, t.Record().Digest(),
		hanok.Fold(t.Title), hanok.Fold(t.Department), hanok.Fold(t.Institute), hanok.Fold(t.StudyType), hanok.Fold(t.Phase), hanok.Fold(t.Scope),
		nanos(t.FirstSeen), nanos(t.LastChanged), nanos(t.LastSeen), t.Withdrawn,
	}
}

const (
	insertTrial = `INSERT INTO trials (number, title, department, institute, target_size, target_size_text, duration, duration_months,
	study_type, phase, scope, digest, title_key, department_key, institute_key, study_type_key, phase_key, scope_key,
	first_seen, last_changed, last_seen, withdrawn) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	updateTrial = `UPDATE trials SET number = ?, title = ?, department = ?, institute = ?, target_size = ?, target_size_text = ?,
	duration = ?, duration_months = ?, study_type = ?, phase = ?, scope = ?, digest = ?, title_key = ?, department_key = ?, institute_key = ?,
	study_type_key = ?, phase_key = ?, scope_key = ?, first_seen = ?, last_changed = ?, last_seen = ?, withdrawn = ? WHERE id = ?`
	insertChange = `INSERT INTO trial_changes (number, run_id, field, old, new, at) VALUES (?, ?, ?, ?, ?, ?)`
	insertRun    = `INSERT INTO trial_runs (started, finished, pages, total, inserted, changed, unchanged, withdrawn, skipped, error)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	updateRun = `UPDATE trial_runs SET started = ?, finished = ?, pages = ?, total = ?, inserted = ?, changed = ?, unchanged = ?,
	withdrawn = ?, skipped = ?, error = ? WHERE id = ?`
	runColumns = `id, started, finished, pages, total, inserted, changed, unchanged, withdrawn, skipped, error`
)

func runValues(r *trials.Run) []any {
	return []any{nanos(r.Started), nanos(r.Finished), r.Pages, r.Total, r.Inserted, r.Changed, r.Unchanged, r.Withdrawn, r.Skipped, r.Error}
}

// scanRun reads runColumns.
func scanRun(sc scanner) (trials.Run, error) {
	var r trials.Run
	var started, finished sql.NullInt64
	err := sc.Scan(&r.ID, &started, &finished, &r.Pages, &r.Total, &r.Inserted, &r.Changed, &r.Unchanged, &r.Withdrawn, &r.Skipped, &r.Error)
	r.Started, r.Finished = fromNanos(started), fromNanos(finished)
	return r, err
}

// finishRun writes the end of run into its row.
func finishRun(ctx context.Context, tx *sql.Tx, run *trials.Run) error {
	res, err := tx.ExecContext(ctx, updateRun, append(runValues(run), run.ID)...)
	if err != nil {
		return fmt.Errorf("sqlite: update trial run %d: %w", run.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("sqlite: run %d: %w", run.ID, trials.ErrRunNotFound)
	}
	return nil
}

// ApplySync implements trials.Store: everything, from reading the stored
// trials to recording the run, happens in one write transaction.
func (s *TrialsStore) ApplySync(ctx context.Context, run *trials.Run, plan func([]trials.Stored, trials.Load) (*trials.Changeset, error)) error {
	defer s.db.trials.bump()
	return s.db.write(ctx, func(tx *sql.Tx) error {
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

func storedTrials(ctx context.Context, tx *sql.Tx) ([]trials.Stored, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, number, digest, withdrawn FROM trials ORDER BY id`)
	return collect("select trials", rows, err, func(sc scanner) (trials.Stored, error) {
		var st trials.Stored
		err := sc.Scan(&st.ID, &st.Number, &st.Digest, &st.Withdrawn)
		return st, err
	})
}

// loadTrials reads the trials of ids, in chunks that keep under SQLite's
// limit of parameters.
func loadTrials(ctx context.Context, tx *sql.Tx, ids []trials.ID) ([]trials.Trial, error) {
	out := make([]trials.Trial, 0, len(ids))
	for chunk := range slices.Chunk(ids, 500) {
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		rows, err := tx.QueryContext(ctx, `SELECT `+trialColumns+` FROM trials WHERE id IN (?`+strings.Repeat(", ?", len(chunk)-1)+`)`, args...)
		got, err := collect("select trials", rows, err, scanTrial)
		if err != nil {
			return nil, err
		}
		if len(got) != len(chunk) {
			return nil, fmt.Errorf("sqlite: %d of %d trials: %w", len(chunk)-len(got), len(chunk), trials.ErrTrialNotFound)
		}
		out = append(out, got...)
	}
	return out, nil
}

func writeChangeset(ctx context.Context, tx *sql.Tx, run trials.RunID, cs *trials.Changeset) error {
	if len(cs.Insert) > 0 {
		stmt, err := tx.PrepareContext(ctx, insertTrial)
		if err != nil {
			return fmt.Errorf("sqlite: prepare trial insert: %w", err)
		}
		defer stmt.Close()
		for i := range cs.Insert {
			if _, err := stmt.ExecContext(ctx, trialValues(&cs.Insert[i])...); err != nil {
				if isUnique(err) {
					return fmt.Errorf("sqlite: trial %s: %w", cs.Insert[i].Number, trials.ErrTrialExists)
				}
				return fmt.Errorf("sqlite: insert trial %s: %w", cs.Insert[i].Number, err)
			}
		}
	}
	if len(cs.Update) > 0 {
		stmt, err := tx.PrepareContext(ctx, updateTrial)
		if err != nil {
			return fmt.Errorf("sqlite: prepare trial update: %w", err)
		}
		defer stmt.Close()
		for i := range cs.Update {
			t := &cs.Update[i]
			res, err := stmt.ExecContext(ctx, append(trialValues(t), t.ID)...)
			if err != nil {
				if isUnique(err) {
					return fmt.Errorf("sqlite: trial %s: %w", t.Number, trials.ErrTrialExists)
				}
				return fmt.Errorf("sqlite: update trial %d: %w", t.ID, err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return fmt.Errorf("sqlite: trial %d: %w", t.ID, trials.ErrTrialNotFound)
			}
		}
	}
	if len(cs.Changes) > 0 {
		stmt, err := tx.PrepareContext(ctx, insertChange)
		if err != nil {
			return fmt.Errorf("sqlite: prepare change insert: %w", err)
		}
		defer stmt.Close()
		for _, c := range cs.Changes {
			if _, err := stmt.ExecContext(ctx, c.Number, run, c.Field, c.Old, c.New, nanos(c.At)); err != nil {
				return fmt.Errorf("sqlite: insert change of %s: %w", c.Number, err)
			}
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO trials_seen (id, at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET at = excluded.at`,
		nanos(cs.Seen)); err != nil {
		return fmt.Errorf("sqlite: mark trials seen: %w", err)
	}
	return nil
}

// FinishRun implements trials.Store.
func (s *TrialsStore) FinishRun(ctx context.Context, run *trials.Run) error {
	defer s.db.trials.bump()
	return s.db.write(ctx, func(tx *sql.Tx) error { return finishRun(ctx, tx, run) })
}

// Run implements trials.Store.
func (s *TrialsStore) Run(ctx context.Context, id trials.RunID) (*trials.Run, error) {
	r, err := scanRun(s.db.reader.QueryRowContext(ctx, `SELECT `+runColumns+` FROM trial_runs WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("sqlite: run %d: %w", id, trials.ErrRunNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: select trial run %d: %w", id, err)
	}
	return &r, nil
}

// BeginRun implements trials.Store.
func (s *TrialsStore) BeginRun(ctx context.Context, run *trials.Run) error {
	return s.db.write(ctx, func(tx *sql.Tx) error {
		begun := *run
		begun.Finished = time.Time{}
		res, err := tx.ExecContext(ctx, insertRun, runValues(&begun)...)
		if err != nil {
			return fmt.Errorf("sqlite: insert trial run: %w", err)
		}
		id, err := res.LastInsertId()
		if err != nil {
			return fmt.Errorf("sqlite: insert trial run: %w", err)
		}
		run.ID = trials.RunID(id)
		return nil
	})
}

// Trial implements trials.Store.
func (s *TrialsStore) Trial(ctx context.Context, id trials.ID) (*trials.Trial, error) {
	t, err := s.cachedTrial(ctx, trialKey{id: id}, `SELECT `+trialColumns+` FROM trials WHERE id = ?`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("sqlite: trial %d: %w", id, trials.ErrTrialNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: select trial %d: %w", id, err)
	}
	return t, nil
}

// TrialByNumber implements trials.Store.
func (s *TrialsStore) TrialByNumber(ctx context.Context, number string) (*trials.Trial, error) {
	t, err := s.cachedTrial(ctx, trialKey{number: number}, `SELECT `+trialColumns+` FROM trials WHERE number = ?`, number)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("sqlite: trial %q: %w", number, trials.ErrTrialNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: select trial %q: %w", number, err)
	}
	return t, nil
}

// cachedTrial returns the one trial that query reads with arg, or
// sql.ErrNoRows, from the read cache when it holds key.
func (s *TrialsStore) cachedTrial(ctx context.Context, key trialKey, query string, arg any) (*trials.Trial, error) {
	c := &s.db.trials.trials
	c.sync(ctx, s.db)
	if hit, ok := c.get(key); ok {
		if !hit.ok {
			return nil, sql.ErrNoRows
		}
		t := hit.t.Clone()
		return &t, nil
	}
	gen := c.generation()
	row, err := s.queryRow(ctx, query, arg)
	if err != nil {
		return nil, err
	}
	t, err := scanTrial(row)
	if errors.Is(err, sql.ErrNoRows) {
		c.put(key, gen, cachedTrial{})
		return nil, err
	}
	if err != nil {
		return nil, err
	}
	c.put(key, gen, cachedTrial{t: t.Clone(), ok: true})
	return &t, nil
}

// trialsWhere is the WHERE clause of f and its arguments.
func trialsWhere(f *trials.Filter) (string, []any) {
	var conds []string
	var args []any
	if !f.IncludeWithdrawn {
		conds = append(conds, "withdrawn = 0")
	}
	if !f.ChangedSince.IsZero() {
		conds = append(conds, "last_changed >= ?")
		args = append(args, nanos(f.ChangedSince))
	}
	// instr, not LIKE: a % or _ in a search is a character to find.
	for _, c := range []struct{ col, v string }{{"title_key", f.Title}, {"institute_key", f.Institute}} {
		if c.v != "" {
			conds = append(conds, "instr("+c.col+", ?) > 0")
			args = append(args, c.v)
		}
	}
	for _, c := range []struct{ col, v string }{
		{"department_key", f.Department}, {"study_type_key", f.StudyType}, {"phase_key", f.Phase}, {"scope_key", f.Scope},
	} {
		if c.v != "" {
			conds = append(conds, c.col+" = ?")
			args = append(args, c.v)
		}
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// Trials implements trials.Store. A page (not an export) is answered
// from the read cache while no sync run has ended since it was cached.
func (s *TrialsStore) Trials(ctx context.Context, f trials.Filter) ([]trials.Trial, int, error) {
	if !f.ChangedSince.IsZero() {
		return s.windowTrials(ctx, f)
	}
	if !cacheablePage(&f) {
		return s.queryTrials(ctx, f)
	}
	c := &s.db.trials.pages
	c.sync(ctx, s.db)
	if hit, ok := c.get(f); ok {
		return copyTrials(hit.trials), hit.total, nil
	}
	gen := c.generation()
	ts, total, err := s.queryTrials(ctx, f)
	if err != nil {
		return nil, 0, err
	}
	c.put(f, gen, cachedList{trials: copyTrials(ts), total: total})
	return ts, total, nil
}

// windowTrials reads a page of the trials of a time window in the order
// of the trials_listed index, and gives the total from the change counts
// of its filter: computed by one GROUP BY the first time the filter is
// asked for after a run ended, then read from memory, so that the page
// costs the same however many trials the window holds.
//
// The window's ChangedSince comes from the clock, different at every
// request; the page is read, and cached, with the window's lower bound
// in terms of the run starts the counts hold (windowBound), which reads
// the same page and total and is the same for every request until a run
// ends or the window passes a run's start.
func (s *TrialsStore) windowTrials(ctx context.Context, f trials.Filter) ([]trials.Trial, int, error) {
	pages, countsCache := &s.db.trials.pages, &s.db.trials.counts
	key := trials.CountsKey(f)
	cacheable := cacheablePage(&f)
	pages.sync(ctx, s.db)
	countsCache.sync(ctx, s.db)
	if hit, ok := countsCache.get(key); ok {
		bound, inWindow := windowBound(hit.counts, f.ChangedSince)
		if !inWindow {
			return []trials.Trial{}, 0, nil
		}
		pf := f
		pf.ChangedSince = bound
		if cacheable {
			if page, ok := pages.get(pf); ok {
				return copyTrials(page.trials), page.total, nil
			}
		}
	}
	pagesGen, countsGen := pages.generation(), countsCache.generation()

	// The page is read with the bound for ChangedSince: the same WHERE.
	where, _ := trialsWhere(&f)
	keyWhere, keyArgs := trialsWhere(&key)
	limit := f.Limit
	if limit <= 0 {
		limit = -1
	}
	page, err := s.stmt(ctx, `SELECT `+trialColumns+` FROM trials`+where+` ORDER BY last_changed DESC, number LIMIT ? OFFSET ?`)
	if err != nil {
		return nil, 0, err
	}
	runsStmt, err := s.stmt(ctx, trialsRunsQuery)
	if err != nil {
		return nil, 0, err
	}
	countsStmt, err := s.stmt(ctx, `SELECT last_changed, count(*) FROM trials`+keyWhere+` GROUP BY last_changed`)
	if err != nil {
		return nil, 0, err
	}
	out := []trials.Trial{}
	total := 0
	pf := f
	found := false
	err = s.db.read(ctx, func(tx *sql.Tx) error {
		// The counts cached hold in this snapshot if no run has ended
		// since they were read.
		var runs int64
		if err := tx.StmtContext(ctx, runsStmt).QueryRowContext(ctx).Scan(&runs); err != nil {
			return fmt.Errorf("sqlite: count trial runs: %w", err)
		}
		hit, ok := countsCache.get(key)
		if !ok || hit.runs != runs {
			rows, err := tx.StmtContext(ctx, countsStmt).QueryContext(ctx, keyArgs...)
			counts, err := collect("trial counts", rows, err, func(sc scanner) (trials.ChangeCount, error) {
				var c trials.ChangeCount
				var at sql.NullInt64
				err := sc.Scan(&at, &c.N)
				c.At = fromNanos(at)
				return c, err
			})
			if err != nil {
				return err
			}
			hit = cachedCounts{counts: counts, runs: runs}
			countsCache.put(key, countsGen, hit)
		}
		if pf.ChangedSince, found = windowBound(hit.counts, f.ChangedSince); !found {
			return nil
		}
		_, args := trialsWhere(&pf)
		rows, err := tx.StmtContext(ctx, page).QueryContext(ctx, append(args, limit, f.Offset)...)
		out, err = collect("trials", rows, err, scanTrial)
		if err != nil {
			return err
		}
		total = hit.counts.Since(pf.ChangedSince)
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	if found && cacheable {
		pages.put(pf, pagesGen, cachedList{trials: copyTrials(out), total: total})
	}
	return out, total, nil
}

// queryTrials reads a page of trials in the order of the trials_listed
// index, and counts the matches when the page does not tell (a full page,
// or one past the end); both in one read transaction.
func (s *TrialsStore) queryTrials(ctx context.Context, f trials.Filter) ([]trials.Trial, int, error) {
	where, args := trialsWhere(&f)
	limit := f.Limit
	if limit <= 0 {
		limit = -1
	}
	page, err := s.stmt(ctx, `SELECT `+trialColumns+` FROM trials`+where+` ORDER BY last_changed DESC, number LIMIT ? OFFSET ?`)
	if err != nil {
		return nil, 0, err
	}
	count, err := s.stmt(ctx, `SELECT count(*) FROM trials`+where)
	if err != nil {
		return nil, 0, err
	}
	var out []trials.Trial
	total := 0
	err = s.db.read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.StmtContext(ctx, page).QueryContext(ctx, append(args, limit, f.Offset)...)
		if out, err = collect("select trials", rows, err, scanTrial); err != nil {
			return err
		}
		if n, known := f.PageTotal(len(out)); known {
			total = n
			return nil
		}
		if err := tx.StmtContext(ctx, count).QueryRowContext(ctx, args...).Scan(&total); err != nil {
			return fmt.Errorf("sqlite: count trials: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// History implements trials.Store.
func (s *TrialsStore) History(ctx context.Context, number string) ([]trials.Change, error) {
	c := &s.db.trials.history
	c.sync(ctx, s.db)
	if hit, ok := c.get(number); ok {
		return copyChanges(hit), nil
	}
	gen := c.generation()
	st, err := s.stmt(ctx, `SELECT number, run_id, field, old, new, at FROM trial_changes
		WHERE number = ? ORDER BY run_id DESC, id`)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(ctx, number)
	h, err := collect("select history of "+number, rows, err, func(sc scanner) (trials.Change, error) {
		var c trials.Change
		var at sql.NullInt64
		err := sc.Scan(&c.Number, &c.Run, &c.Field, &c.Old, &c.New, &at)
		c.At = fromNanos(at)
		return c, err
	})
	if err != nil {
		return nil, err
	}
	c.put(number, gen, copyChanges(h))
	return h, nil
}

// Runs implements trials.Store.
func (s *TrialsStore) Runs(ctx context.Context, limit int) ([]trials.Run, error) {
	rows, err := s.db.reader.QueryContext(ctx, `SELECT `+runColumns+` FROM trial_runs ORDER BY id DESC LIMIT ?`, limit)
	return collect("select trial runs", rows, err, scanRun)
}
