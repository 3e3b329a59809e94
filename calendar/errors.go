package calendar

import (
	"fmt"

	"github.com/hanok-dev/hanok"
)

// The calendar's errors: every word of the calendar a client reads is
// declared here once. Stores return the NotFound ones (EventNotFound and
// GroupNotFound name the id; both match their Err variable with
// errors.Is), the Service the others.
var (
	// ErrEventNotFound is an event id that names no event.
	ErrEventNotFound = &hanok.Error{Code: hanok.NotFound, Message: "event not found"}
	// ErrGroupNotFound is a group id that names no group.
	ErrGroupNotFound = &hanok.Error{Code: hanok.NotFound, Message: "group not found"}
	// ErrNoBirthday is the birthday of a user who registered none.
	ErrNoBirthday = &hanok.Error{Code: hanok.NotFound, Message: "no birthday registered"}

	// ErrNotYourEvent is another user's event that the actor may not see
	// (it is in no group the actor selected) or change.
	ErrNotYourEvent = &hanok.Error{Code: hanok.Forbidden, Message: "the event belongs to another user"}
	// ErrNotGroupCreator is a change of a group by another user than its
	// creator.
	ErrNotGroupCreator = &hanok.Error{Code: hanok.Forbidden, Message: "only the creator of a group may change it"}

	// ErrEventID is a missing or non-positive event id.
	ErrEventID = hanok.FieldError("event_id", "is required: a positive event id")
	// ErrGroupID is a missing or non-positive group id where one is
	// required (a group's change, an event of a group).
	ErrGroupID = hanok.FieldError("group_id", "is required: a positive group id")
	// ErrSelectionID is a selection naming a non-positive group id.
	ErrSelectionID = hanok.FieldError("selected_group", "must hold positive group ids")
)

// EventNotFound is ErrEventNotFound naming the event id: the error a
// Store returns for an unknown event.
func EventNotFound(id EventID) error {
	return &hanok.Error{Code: hanok.NotFound, Message: fmt.Sprintf("event %d not found", id), Err: ErrEventNotFound}
}

// GroupNotFound is ErrGroupNotFound naming the group id: the error a
// Store returns for an unknown group.
func GroupNotFound(id GroupID) error {
	return &hanok.Error{Code: hanok.NotFound, Message: fmt.Sprintf("group %d not found", id), Err: ErrGroupNotFound}
}
