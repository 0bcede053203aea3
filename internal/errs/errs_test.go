package errs

import (
	"errors"
	"fmt"
	"testing"
)

func TestCode(t *testing.T) {
	base := errors.New("boom")
	cases := []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, ExitOK},
		{"plain", base, ExitFailed},
		{"usage", Usage(base), ExitUsage},
		{"verify", Verify(base), ExitVerify},
		{"wrapped usage", fmt.Errorf("recipe: %w", Usage(base)), ExitUsage},
		{"usage of nil", Usage(nil), ExitOK},
	}
	for _, c := range cases {
		if got := Code(c.err); got != c.want {
			t.Errorf("%s: Code = %d, want %d", c.name, got, c.want)
		}
	}
	if !errors.Is(Usage(base), base) {
		t.Error("Usage must keep the wrapped error reachable with errors.Is")
	}
}
