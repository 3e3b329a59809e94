package memory

import (
	"context"

	"github.com/hanok-dev/hanok/auth"
)

// InsertUnchecked implements authtest.LegacyStore: it stores u without
// auth.CheckUnique, as a database older than the rule may hold it.
func (s *AuthStore) InsertUnchecked(_ context.Context, u *auth.User) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	u.ID = s.nextID
	s.users[u.ID] = *copyUser(*u)
	return nil
}
