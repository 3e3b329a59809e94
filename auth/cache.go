package auth

import (
	"sync"
	"time"

	"github.com/hanok-dev/hanok"
)

// maxCachedTokens bounds the verified-token cache; when it is full, it is
// emptied and fills again from the store.
const maxCachedTokens = 10_000

// tokenCache remembers tokens that Authenticate verified against the store
// (signature, expiry, revocation, user, password stamp), so that the next
// request with the same token asks neither the JWT parser nor the store.
//
// Every write of the Service that could end a token or change its user
// (Logout, UpdateProfile, SetSuperuser, EnsureSuperuser) removes the
// affected entries and bumps the generation. A verification that began
// before a bump is not cached, so an entry never holds what the store held
// before a write of this Service that has returned. Writes by another
// process on the same database are seen at the next request over a
// ChangeCounter store (an entry carries the count it was verified under
// and is trusted only while the store's count is that one), and once an
// entry is older than Config.TokenCacheTTL otherwise.
type tokenCache struct {
	mu     sync.Mutex
	gen    uint64
	tokens map[string]*cachedToken
}

type cachedToken struct {
	user *User
	// jti is the token id; issued, notBefore and expires the token's
	// time claims (notBefore zero when absent).
	jti                        string
	issued, notBefore, expires time.Time
	// checked is when the store was asked; changes the store's
	// ChangeCounter count before it was (0 for a store without one).
	checked time.Time
	changes int64
}

// generation returns the current generation, to pass to put.
func (c *tokenCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// get returns a copy of the user of token if the cache holds it, the
// token's time claims hold at now, it was checked less than ttl ago and
// under the store's count of changes that is changes now.
func (c *tokenCache) get(token string, now time.Time, ttl time.Duration, changes int64) (*User, bool) {
	c.mu.Lock()
	e, ok := c.tokens[token]
	c.mu.Unlock()
	if !ok || e.changes != changes || now.Sub(e.checked) >= ttl || now.Before(e.checked) ||
		!now.Before(e.expires) || now.Before(e.issued) || (!e.notBefore.IsZero() && now.Before(e.notBefore)) {
		return nil, false
	}
	u := *e.user
	return &u, true
}

// put caches a verification that began at generation gen, unless a write
// bumped the generation since.
func (c *tokenCache) put(token string, gen uint64, e *cachedToken) {
	u := *e.user
	e.user = &u
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.tokens == nil || len(c.tokens) >= maxCachedTokens {
		c.tokens = map[string]*cachedToken{}
	}
	c.tokens[token] = e
}

// drop bumps the generation and removes the entries for which match is
// true.
func (c *tokenCache) drop(match func(*cachedToken) bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for k, e := range c.tokens {
		if match(e) {
			delete(c.tokens, k)
		}
	}
}

// dropUser removes the entries of user id.
func (c *tokenCache) dropUser(id hanok.UserID) {
	c.drop(func(e *cachedToken) bool { return e.user.ID == id })
}
