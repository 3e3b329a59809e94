package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
)

// Stats returns the statistics of the database's two pools, by name:
// "writer" and "reader".
func (db *DB) Stats() map[string]sql.DBStats {
	return map[string]sql.DBStats{"writer": db.writer.Stats(), "reader": db.reader.Stats()}
}

// Ping checks that the database file can be read: it runs a query on the
// read pool.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	if err := db.reader.QueryRowContext(ctx, "SELECT 1 FROM sqlite_schema LIMIT 1").Scan(&one); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("sqlite: ping: %w", err)
	}
	return nil
}

// Backup writes a consistent copy of the whole database to the new file
// path with VACUUM INTO. It reads one snapshot on a read connection, so it
// is safe while the database is written to, by this process or another,
// and does not hold up the writer. The copy is created readable by its
// owner only, like the database (it holds the signing key); an existing
// path is an error, never overwritten. To restore, stop the server and
// put the copy in the database's place (without the old -wal and -shm
// files).
func (db *DB) Backup(ctx context.Context, path string) (err error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("sqlite: backup: %w", err)
	}
	f.Close()
	defer func() {
		if err != nil {
			os.Remove(path)
		}
	}()
	// VACUUM INTO writes a new file, not the database: the writer's lock
	// is not needed, but query_only forbids it, so this runs on a
	// connection of its own.
	conn, err := sql.Open("sqlite", dsn(db.path, true))
	if err != nil {
		return fmt.Errorf("sqlite: backup: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "VACUUM INTO ?", path); err != nil {
		return fmt.Errorf("sqlite: backup to %s: %w", path, err)
	}
	return nil
}
