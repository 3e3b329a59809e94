package odcloud

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/trials"
)

// envelope is the upstream's page: {"page", "perPage", "totalCount",
// "currentCount", "matchCount", "data": [...]}, its records of type R.
type envelope[R any] struct {
	Page       *int `json:"page"`
	PerPage    *int `json:"perPage"`
	TotalCount *int `json:"totalCount"`
	Data       *[]R `json:"data"`
}

// wireRecord is a record as the upstream writes it: text fields. It is
// the fast path; flexRecord also takes numbers and nulls.
type wireRecord struct {
	Number     string `json:"과제번호"`
	Title      string `json:"과제명"`
	Department string `json:"진료과"`
	Institute  string `json:"연구책임기관"`
	TargetSize string `json:"전체목표연구대상자수"`
	Duration   string `json:"연구기간"`
	StudyType  string `json:"연구종류"`
	Phase      string `json:"임상시험단계(연구모형)"`
	Scope      string `json:"연구범위"`
}

type flexRecord struct {
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

// field is a record's value: a string as it is, a number as its digits,
// null as "".
type field string

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
	return fmt.Errorf("want text, got %s", Quote(raw))
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
	if p, ok := fastPage(trimmed); ok {
		return p, nil
	}
	return slowPage(trimmed, bad)
}

// slowPage is DecodePage through encoding/json.
func slowPage(trimmed []byte, bad func(string, ...any) error) (*trials.Page, error) {
	var env envelope[wireRecord]
	if err := json.Unmarshal(trimmed, &env); err != nil {
		var typ *json.UnmarshalTypeError
		if !errors.As(err, &typ) {
			return nil, bad("%v", err)
		}
		// A field that is not text: the slow path, which reads numbers
		// and nulls as text and refuses the rest.
		var flex envelope[flexRecord]
		if err := json.Unmarshal(trimmed, &flex); err != nil {
			return nil, bad("%v", err)
		}
		env = envelope[wireRecord]{Page: flex.Page, PerPage: flex.PerPage, TotalCount: flex.TotalCount}
		if flex.Data != nil && *flex.Data != nil {
			data := make([]wireRecord, len(*flex.Data))
			for i, f := range *flex.Data {
				data[i] = wireRecord{
					Number: string(f.Number), Title: string(f.Title), Department: string(f.Department),
					Institute: string(f.Institute), TargetSize: string(f.TargetSize), Duration: string(f.Duration),
					StudyType: string(f.StudyType), Phase: string(f.Phase), Scope: string(f.Scope),
				}
			}
			env.Data = &data
		}
	}
	switch {
	case env.Data == nil || *env.Data == nil:
		return nil, bad(`no "data"`)
	case env.TotalCount == nil:
		return nil, bad(`no "totalCount"`)
	case *env.TotalCount < 0:
		return nil, bad("totalCount %d", *env.TotalCount)
	}
	p := &trials.Page{Total: *env.TotalCount, Records: make([]trials.Record, len(*env.Data))}
	if env.Page != nil {
		p.Number = *env.Page
	}
	if env.PerPage != nil {
		p.PerPage = *env.PerPage
	}
	for i, w := range *env.Data {
		p.Records[i] = trials.Record(w)
	}
	return p, nil
}
