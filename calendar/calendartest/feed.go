package calendartest

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/calendar"
)

// testFeeds checks the subscription links: one per user, replaced by a
// new one, found by the hash of its secret, marked, deleted.
func testFeeds(t *testing.T, f *fixture) {
	ctx := context.Background()
	s := f.s
	_, err := s.FeedBySecret(ctx, calendar.HashFeedSecret("nothing"))
	require.ErrorIs(t, err, calendar.ErrFeedNotFound)
	require.ErrorIs(t, s.DeleteFeed(ctx, f.u1), calendar.ErrNoFeed)

	first := calendar.HashFeedSecret("first")
	require.NoError(t, s.SetFeed(ctx, calendar.Feed{User: f.u1, SecretHash: first, Created: base}))
	got, err := s.FeedBySecret(ctx, first)
	require.NoError(t, err)
	assert.Equal(t, f.u1, got.User)
	assert.Equal(t, first, got.SecretHash)
	wantTime(t, base, got.Created, "Created")
	assert.Empty(t, got.ETag)
	assert.True(t, got.Modified.IsZero(), "Modified before the first document")

	require.NoError(t, s.MarkFeed(ctx, f.u1, "tag1", at(1)))
	got, err = s.FeedBySecret(ctx, first)
	require.NoError(t, err)
	assert.Equal(t, "tag1", got.ETag)
	wantTime(t, at(1), got.Modified, "Modified")

	// A new secret replaces the old one: the old one names nothing.
	second := calendar.HashFeedSecret("second")
	require.NoError(t, s.SetFeed(ctx, calendar.Feed{User: f.u1, SecretHash: second, Created: at(2)}))
	_, err = s.FeedBySecret(ctx, first)
	require.ErrorIs(t, err, calendar.ErrFeedNotFound)
	got, err = s.FeedBySecret(ctx, second)
	require.NoError(t, err)
	assert.Empty(t, got.ETag, "a new secret starts without a tag")

	// Another user's feed is apart.
	other := calendar.HashFeedSecret("other")
	require.NoError(t, s.SetFeed(ctx, calendar.Feed{User: f.u2, SecretHash: other, Created: base}))
	require.NoError(t, s.DeleteFeed(ctx, f.u1))
	_, err = s.FeedBySecret(ctx, second)
	require.ErrorIs(t, err, calendar.ErrFeedNotFound)
	got, err = s.FeedBySecret(ctx, other)
	require.NoError(t, err)
	assert.Equal(t, f.u2, got.User)
	require.NoError(t, s.MarkFeed(ctx, f.u1, "gone", at(3)), "marking a deleted feed")

	require.Error(t, s.SetFeed(ctx, calendar.Feed{User: 999999, SecretHash: calendar.HashFeedSecret("x"), Created: base}), "a feed of an unknown user")
}

// testEventsByUID checks the lookups CalDAV finds events by: UID and
// resource name.
func testEventsByUID(t *testing.T, f *fixture) {
	ctx := context.Background()
	g := newGroup(t, f.s, f.u2, "team")
	e1 := newEvent(t, f.s, f.u1, 0, "mine", at(1), at(2))
	e2 := newEvent(t, f.s, f.u2, g.ID, "theirs", at(1), at(2))
	newEvent(t, f.s, f.u1, 0, "other", at(3), at(4))

	got, err := f.s.EventsByUID(ctx, e1.UID)
	require.NoError(t, err)
	wantIDs(t, "by e1's uid", got, e1.ID)
	assert.Equal(t, "mine", got[0].Subject)

	got, err = f.s.EventsByUID(ctx, e2.UID)
	require.NoError(t, err)
	wantIDs(t, "by e2's uid", got, e2.ID)
	assert.Equal(t, "team", got[0].GroupName)

	got, err = f.s.EventsByUID(ctx, "no such uid")
	require.NoError(t, err)
	assert.Empty(t, got)

	// The resource: "<UID>.ics" unless another was chosen.
	assert.Equal(t, e1.UID+".ics", got1(t, f.s, e1.ID).Resource, "the default resource")
	got, err = f.s.EventsByResource(ctx, e1.UID+".ics")
	require.NoError(t, err)
	wantIDs(t, "by e1's default resource", got, e1.ID)
	named := &calendar.Event{UID: "named@test", Resource: "3F2504E0.ics", Owner: f.u1, OwnerEmail: email(f.u1),
		Subject: "named", Start: at(5), End: at(6), Created: base}
	require.NoError(t, f.s.CreateEvent(ctx, named))
	assert.Equal(t, "3F2504E0.ics", got1(t, f.s, named.ID).Resource)
	got, err = f.s.EventsByResource(ctx, "3F2504E0.ics")
	require.NoError(t, err)
	wantIDs(t, "by the chosen resource", got, named.ID)
	assert.Equal(t, "named@test", got[0].UID)
	got, err = f.s.EventsByResource(ctx, "named@test.ics")
	require.NoError(t, err)
	assert.Empty(t, got, "a chosen resource replaces the default one")
	got, err = f.s.EventsByUID(ctx, "named@test")
	require.NoError(t, err)
	wantIDs(t, "by the UID of a named resource", got, named.ID)
}

func got1(t *testing.T, s calendar.Store, id calendar.EventID) *calendar.Event {
	t.Helper()
	e, err := s.Event(context.Background(), id)
	require.NoError(t, err)
	return e
}

// testSyncStates checks the CalDAV sync states: found by user,
// collection and token; the same token replaced; the newest
// SyncStatesKept kept.
func testSyncStates(t *testing.T, f *fixture) {
	ctx := context.Background()
	s := f.s
	_, err := s.SyncState(ctx, f.u1, "personal", "t0")
	require.ErrorIs(t, err, calendar.ErrSyncToken)
	save := func(user auth.UserID, coll, token, state string, h int) {
		t.Helper()
		require.NoError(t, s.SaveSyncState(ctx, calendar.SyncState{User: user, Collection: coll, Token: token, State: []byte(state), Created: at(h)}))
	}
	save(f.u1, "personal", "t0", "a", 0)
	save(f.u1, "personal", "t0", "b", 1)
	got, err := s.SyncState(ctx, f.u1, "personal", "t0")
	require.NoError(t, err)
	assert.Equal(t, "b", string(got.State))
	wantTime(t, at(1), got.Created, "Created")
	_, err = s.SyncState(ctx, f.u1, "group-1", "t0")
	require.ErrorIs(t, err, calendar.ErrSyncToken, "another collection's")
	_, err = s.SyncState(ctx, f.u2, "personal", "t0")
	require.ErrorIs(t, err, calendar.ErrSyncToken, "another user's")

	save(f.u2, "personal", "other", "x", 0)
	for i := 1; i <= calendar.SyncStatesKept; i++ {
		save(f.u1, "personal", fmt.Sprintf("t%d", i), "s", 1+i)
	}
	_, err = s.SyncState(ctx, f.u1, "personal", "t0")
	require.ErrorIs(t, err, calendar.ErrSyncToken, "the oldest is dropped past SyncStatesKept")
	_, err = s.SyncState(ctx, f.u1, "personal", "t1")
	require.NoError(t, err)
	_, err = s.SyncState(ctx, f.u2, "personal", "other")
	require.NoError(t, err, "another user's states are kept apart")
}

// testConditionalWrites checks ReplaceEvent and DeleteEventIf: done when
// the event is as read, ErrEventChanged and nothing written when another
// change came between, EventNotFound when it is gone.
func testConditionalWrites(t *testing.T, f *fixture) {
	ctx := context.Background()
	s := f.s
	e := newEvent(t, s, f.u1, 0, "first", at(1), at(2))
	read := got1(t, s, e.ID)

	// Another writer changes it after it was read.
	other := *read
	other.Subject, other.Updated = "other", at(3)
	require.NoError(t, s.UpdateEvent(ctx, &other))

	stale := *read
	stale.Subject, stale.Updated = "stale", at(4)
	require.ErrorIs(t, s.ReplaceEvent(ctx, read, &stale), calendar.ErrEventChanged)
	require.ErrorIs(t, s.DeleteEventIf(ctx, read), calendar.ErrEventChanged)
	assert.Equal(t, "other", got1(t, s, e.ID).Subject, "nothing overwritten")

	current := got1(t, s, e.ID)
	next := *current
	next.Subject, next.Start, next.End, next.Updated = "next", at(5), at(7), at(5)
	require.NoError(t, s.ReplaceEvent(ctx, current, &next))
	now := got1(t, s, e.ID)
	assert.Equal(t, "next", now.Subject)
	wantTime(t, at(5), now.Start, "Start")
	wantTime(t, at(7), now.End, "End")
	wantTime(t, at(5), now.Updated, "Updated")
	require.ErrorIs(t, s.DeleteEventIf(ctx, current), calendar.ErrEventChanged)
	require.NoError(t, s.DeleteEventIf(ctx, now))
	require.ErrorIs(t, s.DeleteEventIf(ctx, now), calendar.ErrEventNotFound)
	require.ErrorIs(t, s.ReplaceEvent(ctx, now, &next), calendar.ErrEventNotFound)
}
