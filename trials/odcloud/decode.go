package odcloud

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/trials"
)

// The upstream's field names.
const (
	keyNumber     = "과제번호"
	keyTitle      = "과제명"
	keyDepartment = "진료과"
	keyInstitute  = "연구책임기관"
	keyTargetSize = "전체목표연구대상자수"
	keyDuration   = "연구기간"
	keyStudyType  = "연구종류"
	keyPhase      = "임상시험단계(연구모형)"
	keyScope      = "연구범위"
)

// envelope is the upstream's page: {"page", "perPage", "totalCount",
// "currentCount", "matchCount", "data": [...]}.
type envelope struct {
	Page       *int              `json:"page"`
	PerPage    *int              `json:"perPage"`
	TotalCount *int              `json:"totalCount"`
	Data       []json.RawMessage `json:"data"`
}

// DecodePage reads one page body. A body that is not a JSON object, lacks
// "data" or "totalCount", or has a record that is not an object of text
// (or number) fields is refused with an Invalid error that quotes it. A
// missing field reads as "".
func DecodePage(body []byte) (*trials.Page, error) {
	bad := func(format string, args ...any) error {
		return hanok.Errorf(hanok.Invalid, "not the upstream's page envelope (%s): %s", fmt.Sprintf(format, args...), Quote(body))
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
	case env.Data == nil:
		return nil, bad(`no "data"`)
	case env.TotalCount == nil:
		return nil, bad(`no "totalCount"`)
	case *env.TotalCount < 0:
		return nil, bad("totalCount %d", *env.TotalCount)
	}
	p := &trials.Page{Total: *env.TotalCount, Records: make([]trials.Record, 0, len(env.Data))}
	if env.Page != nil {
		p.Number = *env.Page
	}
	if env.PerPage != nil {
		p.PerPage = *env.PerPage
	}
	for i, raw := range env.Data {
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
			return nil, bad("record %d is not an object", i)
		}
		var r trials.Record
		for key, dst := range map[string]*string{
			keyNumber: &r.Number, keyTitle: &r.Title, keyDepartment: &r.Department,
			keyInstitute: &r.Institute, keyTargetSize: &r.TargetSize, keyDuration: &r.Duration,
			keyStudyType: &r.StudyType, keyPhase: &r.Phase, keyScope: &r.Scope,
		} {
			v, err := text(fields[key])
			if err != nil {
				return nil, bad("record %d, %s: %v", i, key, err)
			}
			*dst = v
		}
		p.Records = append(p.Records, r)
	}
	return p, nil
}

// text reads a field's value: a string as it is, a number as its
// digits, null or a missing field as "".
func text(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	switch raw[0] {
	case '"':
		var s string
		err := json.Unmarshal(raw, &s)
		return s, err
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		var n json.Number
		if err := json.Unmarshal(raw, &n); err != nil {
			return "", err
		}
		return n.String(), nil
	}
	return "", fmt.Errorf("want text, got %s", Quote(raw))
}
