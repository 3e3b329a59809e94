package postgres

import (
	"strings"
	"testing"
)

// Migration numbers are reserved per domain: they must increase and be
// unique, but a program may lack some below its newest.
func TestMigrationNumbers(t *testing.T) {
	ms := func(vs ...int) []migration {
		out := make([]migration, len(vs))
		for i, v := range vs {
			out[i] = migration{version: v, name: "m" + string(rune('a'+i))}
		}
		return out
	}
	if err := checkNumbers(ms(1, 2, 3, 4, 7)); err != nil {
		t.Fatalf("numbers with a gap: %v", err)
	}
	if err := checkNumbers(ms(1, 2, 2, 3)); err == nil || !strings.Contains(err.Error(), "same number") {
		t.Fatalf("a number twice: %v", err)
	}
	got, err := MigrationVersions()
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(got); i++ {
		if got[i] <= got[i-1] {
			t.Fatalf("embedded migrations %v do not increase", got)
		}
	}
}
