package trials

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"
)

// exportHeader is the header row of both exports: the upstream's field
// names, then the mirror's.
var exportHeader = []string{
	"과제번호", "과제명", "진료과", "연구책임기관", "전체목표연구대상자수",
	"연구기간", "연구종류", "임상시험단계(연구모형)", "연구범위",
	"최초수집", "최종변경", "최종확인", "철회",
}

// exportWidths are the xlsx column widths, in characters.
var exportWidths = []float64{10, 60, 18, 24, 12, 10, 10, 18, 12, 20, 20, 20, 6}

func exportTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func exportRow(t *Trial) []string {
	withdrawn := ""
	if t.Withdrawn {
		withdrawn = "Y"
	}
	return []string{
		t.Number, t.Title, t.Department, t.Institute, t.TargetSizeText,
		t.Duration, t.StudyType, t.Phase, t.Scope,
		exportTime(t.FirstSeen), exportTime(t.LastChanged), exportTime(t.LastSeen), withdrawn,
	}
}

// cellSafe keeps a spreadsheet from reading a text cell as a formula: a
// value that starts with = + - @ (and is not a number) gets a leading '.
func cellSafe(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		if _, err := strconv.ParseFloat(s, 64); err != nil {
			return "'" + s
		}
	}
	return s
}

// WriteCSV writes ts as CSV: UTF-8 with a byte-order mark (so that Excel
// reads the Korean text as UTF-8), a header row, one row per trial.
func WriteCSV(w io.Writer, ts []Trial) error {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return fmt.Errorf("trials: csv: %w", err)
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(exportHeader); err != nil {
		return fmt.Errorf("trials: csv: %w", err)
	}
	for i := range ts {
		row := exportRow(&ts[i])
		for j := range row {
			row[j] = cellSafe(row[j])
		}
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("trials: csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("trials: csv: %w", err)
	}
	return nil
}

// WriteXLSX writes ts as an .xlsx workbook of one sheet, "trials", through
// excelize's StreamWriter: a bold header row, frozen, column widths, the
// target size as a number where it is one.
func WriteXLSX(w io.Writer, ts []Trial) error {
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "trials"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return fmt.Errorf("trials: xlsx: %w", err)
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return fmt.Errorf("trials: xlsx: %w", err)
	}
	for i, width := range exportWidths {
		if err := sw.SetColWidth(i+1, i+1, width); err != nil {
			return fmt.Errorf("trials: xlsx: %w", err)
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return fmt.Errorf("trials: xlsx: %w", err)
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return fmt.Errorf("trials: xlsx: %w", err)
	}
	header := make([]any, len(exportHeader))
	for i, h := range exportHeader {
		header[i] = excelize.Cell{StyleID: bold, Value: h}
	}
	if err := sw.SetRow("A1", header); err != nil {
		return fmt.Errorf("trials: xlsx: %w", err)
	}
	row := make([]any, len(exportHeader))
	for i := range ts {
		for j, v := range exportRow(&ts[i]) {
			row[j] = v
		}
		if n := ts[i].TargetSize; n != nil {
			row[4] = *n
		}
		cell, err := excelize.CoordinatesToCellName(1, i+2)
		if err != nil {
			return fmt.Errorf("trials: xlsx: %w", err)
		}
		if err := sw.SetRow(cell, row); err != nil {
			return fmt.Errorf("trials: xlsx: %w", err)
		}
	}
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("trials: xlsx: %w", err)
	}
	if _, err := f.WriteTo(w); err != nil {
		return fmt.Errorf("trials: xlsx: %w", err)
	}
	return nil
}
