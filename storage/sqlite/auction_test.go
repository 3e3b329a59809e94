package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/auction"
	"github.com/hanok-dev/hanok/auth"
)

// auctionQueryPlan returns the EXPLAIN QUERY PLAN details of query, one a line.
func auctionQueryPlan(t *testing.T, db *DB, query string, args ...any) string {
	t.Helper()
	rows, err := db.reader.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}

// TestAuctionListUsesIndexes checks that the list and its count walk
// indexes (or read counters) and never scan or sort the cars table.
func TestAuctionListUsesIndexes(t *testing.T) {
	db := openTestDB(t)
	for _, tc := range []struct {
		name      string
		q         auction.ListQuery
		wantIndex string
	}{
		{"all", auction.ListQuery{Limit: 16, Offset: 1600}, "auction_cars_listed"},
		{"all reversed", auction.ListQuery{Limit: 16, Reverse: true}, "auction_cars_listed"},
		{"one model", auction.ListQuery{Limit: 16, Models: []auction.ModelID{3}}, "auction_cars_model_listed"},
		{"one model reversed", auction.ListQuery{Limit: 16, Reverse: true, Models: []auction.ModelID{3}}, "auction_cars_model_listed"},
		{"two models", auction.ListQuery{Limit: 16, Models: []auction.ModelID{3, 4}}, "auction_cars_model_listed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			page, pageArgs, count, countArgs := listQueries(tc.q)
			plan := auctionQueryPlan(t, db, page, pageArgs...)
			if !strings.Contains(plan, "USING INDEX "+tc.wantIndex) && !strings.Contains(plan, "USING COVERING INDEX "+tc.wantIndex) {
				t.Errorf("page query does not use %s:\n%s", tc.wantIndex, plan)
			}
			// The inner query p walks the index in order and stops at the
			// page; the outer query only joins (and orders) those rows.
			inner, outer, ok := strings.Cut(plan, "SCAN p")
			if !ok {
				t.Fatalf("no page subquery in plan:\n%s", plan)
			}
			if len(tc.q.Models) < 2 && strings.Contains(inner, "TEMP B-TREE") {
				t.Errorf("page subquery sorts instead of walking the index:\n%s", plan)
			}
			for _, line := range strings.Split(inner+outer, "\n") {
				if strings.HasPrefix(strings.TrimSpace(line), "SCAN ") {
					t.Errorf("page query scans a table: %q in\n%s", line, plan)
				}
			}
			cplan := auctionQueryPlan(t, db, count, countArgs...)
			if strings.Contains(cplan, "auction_cars") || (strings.Contains(cplan, "SCAN") && len(tc.q.Models) > 0) {
				t.Errorf("count query touches the cars table or scans:\n%s", cplan)
			}
		})
	}
}

// TestAuctionReadsIssueConstantQueries counts the statements of a list and
// a detail read: the same whatever the page size (no query per car); one
// for a list, two for a detail.
func TestAuctionReadsIssueConstantQueries(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	s := db.Auction()
	if _, err := s.ImportCatalog(ctx, auction.DefaultCatalog()); err != nil {
		t.Fatal(err)
	}
	owner := &auth.User{Username: "owner", PasswordHash: []byte("x"), Created: time.Unix(0, 0)}
	if err := db.Auth().CreateUser(ctx, owner); err != nil {
		t.Fatal(err)
	}
	models, err := s.ModelIDs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2019, 4, 10, 9, 0, 0, 0, time.UTC)
	cars := auction.GenerateCars(models, hanok.Actor{ID: owner.ID}, 300, now, 48*time.Hour, rand.New(rand.NewPCG(1, 2)))
	if err := s.CreateCars(ctx, cars); err != nil {
		t.Fatal(err)
	}
	queries := countReads(t, db)
	// The first read after a write reads the count of auction writes
	// once (the file changed: was it the auction?); the reads after it
	// only their own queries.
	_, _, err = s.ListCars(ctx, auction.ListQuery{Limit: 2, Offset: 2})
	require.NoError(t, err)
	require.EqualValues(t, 2, queries.Load(), "the first read after a write")
	for _, limit := range []int{1, 16, 100, 500} {
		queries.Store(0)
		page, total, err := s.ListCars(ctx, auction.ListQuery{Limit: limit})
		if err != nil {
			t.Fatal(err)
		}
		if total != 240 || len(page) != min(limit, 240) {
			t.Fatalf("limit %d: %d cars of %d", limit, len(page), total)
		}
		if n := queries.Load(); n != 1 {
			t.Errorf("a list of %d cars issued %d queries, want 1", len(page), n)
		}
	}
	// A page past the end has no row to carry the total: one more query.
	queries.Store(0)
	if page, total, err := s.ListCars(ctx, auction.ListQuery{Limit: 16, Offset: 1000}); err != nil || len(page) != 0 || total != 240 {
		t.Fatalf("a page past the end: %d cars of %d, %v", len(page), total, err)
	}
	if n := queries.Load(); n != 2 {
		t.Errorf("a page past the end issued %d queries, want 2", n)
	}
	queries.Store(0)
	if _, err := s.Car(ctx, cars[0].ID); err != nil {
		t.Fatal(err)
	}
	if n := queries.Load(); n != 2 {
		t.Errorf("a detail read issued %d queries, want 2", n)
	}
}

// TestMigrateAuctionVisibleCounts opens a file written before migration
// 0013, whose car counts include a waiting car, and checks that Open
// leaves only the approved car counted (issue 20, point 11).
func TestMigrateAuctionVisibleCounts(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v12.db")
	ms, err := migrations()
	require.NoError(t, err)
	raw, err := sql.Open("sqlite", "file:"+path)
	require.NoError(t, err)
	for _, m := range ms {
		if m.Version < 13 {
			_, err := raw.Exec(m.SQL)
			require.NoError(t, err, m.Name)
		}
	}
	for _, q := range []string{
		`INSERT INTO users (id, username, username_key, email, email_key, password_hash, created) VALUES (7, 'park', 'park', 'park@example.com', 'park@example.com', x'00', 0)`,
		// One waiting car and one ongoing, both counted, as before 0013.
		`INSERT INTO auction_brands (id, name, car_count) VALUES (1, '르노삼성', 2), (2, '현대', 0)`,
		`INSERT INTO auction_kinds (id, brand_id, name, car_count) VALUES (1, 1, 'sm', 2), (2, 2, '소나타', 0)`,
		`INSERT INTO auction_models (id, kind_id, name, car_count, listed_count) VALUES (1, 1, 'sm5', 1, 1), (2, 1, 'sm7', 1, 0), (3, 2, 'LF 소나타', 0, 0)`,
		`UPDATE auction_totals SET listed = 1`,
		`INSERT INTO auction_cars (id, owner_id, model_id, year, fuel_type, transmission, color, mileage, address, status, auction_start, auction_end, created) VALUES
			(1, 7, 1, '2018-12-25', '디젤', '오토', '은색', 1, '서울', 'ongoing', 1, 2, 0),
			(2, 7, 2, '2018-12-25', '디젤', '오토', '은색', 1, '서울', 'waiting', NULL, NULL, 0)`,
		fmt.Sprintf("PRAGMA user_version = %d", 12),
	} {
		_, err := raw.Exec(q)
		require.NoError(t, err, q)
	}
	require.NoError(t, raw.Close())

	db, err := Open(ctx, path)
	require.NoError(t, err)
	defer db.Close()
	s := db.Auction()
	brands, err := s.Brands(ctx)
	require.NoError(t, err)
	assert.Equal(t, []auction.Brand{{ID: 1, Name: "르노삼성", CarCount: 1}, {ID: 2, Name: "현대"}}, brands)
	kinds, err := s.Kinds(ctx, 1)
	require.NoError(t, err)
	assert.Equal(t, []auction.Kind{{ID: 1, BrandID: 1, Name: "sm", CarCount: 1}}, kinds)
	models, err := s.Models(ctx, []auction.KindID{1})
	require.NoError(t, err)
	assert.Equal(t, []auction.Model{{ID: 1, KindID: 1, Name: "sm5", CarCount: 1}, {ID: 2, KindID: 1, Name: "sm7"}}, models)
}
