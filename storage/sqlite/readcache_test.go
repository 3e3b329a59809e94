package sqlite

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// A readCache keeps no rows read before a bump, and empties itself when
// it holds max reads.
func TestReadCachePut(t *testing.T) {
	c := readCache[int, string]{max: 2}
	gen := c.generation()
	c.bump()
	c.put(1, gen, "stale")
	_, ok := c.get(1)
	assert.False(t, ok, "a read from before a bump is not cached")

	gen = c.generation()
	c.put(1, gen, "a")
	c.put(2, gen, "b")
	v, ok := c.get(2)
	assert.True(t, ok)
	assert.Equal(t, "b", v)
	c.put(3, gen, "c")
	_, ok = c.get(1)
	assert.False(t, ok, "the cache was emptied when full")
	v, ok = c.get(3)
	assert.True(t, ok, "the read that found it full is kept")
	assert.Equal(t, "c", v)
}
