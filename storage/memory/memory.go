// Package memory implements every hanok domain's Store in memory: maps
// guarded by one mutex per domain. Values are copied in and out, so a
// caller never aliases stored state. It is meant for tests, demos and
// embedding without persistence; data is lost when the process exits.
//
// The stores of one DB share its users, as the tables of one SQLite file
// do: a car, bid, event, group, selection or birthday of a user id that
// DB.Auth does not hold is hanok.NotFound.
package memory

import (
	"sync"
)

// DB holds one in-memory store per domain, created on first use. The zero
// value is not usable; call New.
type DB struct {
	mu     sync.Mutex
	stores map[string]any
}

// New returns an empty in-memory database.
func New() *DB { return &DB{stores: map[string]any{}} }

// store returns the domain's store, creating it with create on first use.
func (db *DB) store(domain string, create func() any) any {
	db.mu.Lock()
	defer db.mu.Unlock()
	s, ok := db.stores[domain]
	if !ok {
		s = create()
		db.stores[domain] = s
	}
	return s
}
