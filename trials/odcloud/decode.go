package odcloud

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/trials"
)

// envelope is the upstream's page: {"page", "perPage", "totalCount",
// "currentCount", "matchCount", "data": [...]}.
type envelope struct {
	Page         *int      `json:"page"`
	PerPage      *int      `json:"perPage"`
	TotalCount   *int      `json:"totalCount"`
	CurrentCount *int      `json:"currentCount"`
	Data         *[]record `json:"data"`
}

// record is one record of the envelope: nine text fields.
type record struct {
	Number     field `json:"과제번호"`
	Title      field `json:"과제명"`
	Department field `json:"진료과"`
	Institute  field `json:"연구책임기관"`
	TargetSize field `json:"전체목표연구대상자수"`
	Duration   field `json:"연구기간"`
	StudyType  field `json:"연구종류"`
	Phase      field `json:"임상시험단계(연구모형)"`
	Scope      field `json:"연구범위"`
}

// field is a record's value: a string as it is, a number as its digits
// (전체목표연구대상자수 has come as one), null as "".
type field string

// errNotText is the error of a value that is neither text, a number nor
// null.
var errNotText = fmt.Errorf("a field is not text")

// UnmarshalJSON implements json.Unmarshaler.
func (f *field) UnmarshalJSON(raw []byte) error {
	switch {
	case string(raw) == "null":
		*f = ""
		return nil
	case raw[0] == '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return err
		}
		*f = field(s)
		return nil
	case raw[0] == '-' || raw[0] >= '0' && raw[0] <= '9':
		*f = field(raw)
		return nil
	}
	return errNotText
}

// DecodePage reads one page body with encoding/json: the one decoder of
// the upstream's envelope. A body that is not a JSON object, lacks "data"
// or "totalCount", or has a record that is not an object of text (or
// number, or null) fields is refused with an Invalid error that quotes it
// (without any serviceKey value). A missing field reads as "".
func DecodePage(body []byte) (*trials.Page, error) {
	bad := func(format string, args ...any) error {
		return hanok.Errorf(hanok.Invalid, "not the upstream's page envelope (%s): %s", fmt.Sprintf(format, args...), redactor{}.quote(body))
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, bad("not a JSON object")
	}
	var env envelope
	if err := json.Unmarshal(trimmed, &env); err != nil {
		return nil, bad("%v", err)
	}
	switch {
	case env.Data == nil || *env.Data == nil:
		return nil, bad(`no "data"`)
	case env.TotalCount == nil:
		return nil, bad(`no "totalCount"`)
	case *env.TotalCount < 0:
		return nil, bad("totalCount %d", *env.TotalCount)
	case env.CurrentCount != nil && *env.CurrentCount < 0:
		return nil, bad("currentCount %d", *env.CurrentCount)
	}
	p := &trials.Page{Total: *env.TotalCount, Current: env.CurrentCount, Records: make([]trials.Record, len(*env.Data))}
	if env.Page != nil {
		p.Number = *env.Page
	}
	if env.PerPage != nil {
		p.PerPage = *env.PerPage
	}
	for i, r := range *env.Data {
		p.Records[i] = trials.Record{
			Number: string(r.Number), Title: string(r.Title), Department: string(r.Department),
			Institute: string(r.Institute), TargetSize: string(r.TargetSize), Duration: string(r.Duration),
			StudyType: string(r.StudyType), Phase: string(r.Phase), Scope: string(r.Scope),
		}
	}
	return p, nil
}
