package deb

import (
	"os/exec"
	"testing"

	"github.com/repoctl/repoctl/build/recipe"
	"github.com/repoctl/repoctl/internal/errs"
)

func TestVersion(t *testing.T) {
	for _, tc := range []struct {
		upstream string
		revision int
		suite    string
		build    int
		want     string // "" means a usage error
	}{
		{"1.22.1", 1, "bookworm", 1, "1.22.1-1~bookworm1"},
		{"1.31.1.1", 2, "trixie", 3, "1.31.1.1-2~trixie3"},
		{"1.22.1", 1, "bookworm", 0, "1.22.1-1~bookworm1"}, // build defaults to 1
		{"2.1~rc1", 1, "bookworm", 1, "2.1~rc1-1~bookworm1"},
		{"1.22.1+dfsg", 1, "bookworm", 1, ""}, // '+' breaks S3 keys
		{"1.22.1-3", 1, "bookworm", 1, ""},    // the revision is ours
		{"1:1.22.1", 1, "bookworm", 1, ""},    // no epochs
		{"v1.22.1", 1, "bookworm", 1, ""},     // must start with a digit
		{"", 1, "bookworm", 1, ""},
		{"1.22.1", 0, "bookworm", 1, ""},
		{"1.22.1", 1, "", 1, ""},
		{"1.22.1", 1, "Bookworm", 1, ""},
		{"1.22.1", 1, "book-worm", 1, ""},
	} {
		r := &recipe.Recipe{Path: "r.yaml", Version: tc.upstream, Revision: tc.revision}
		got, err := Version(r, tc.suite, tc.build)
		if tc.want == "" {
			if errs.Code(err) != errs.ExitUsage {
				t.Errorf("Version(%q, %d, %q): got %q, %v; want a usage error", tc.upstream, tc.revision, tc.suite, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("Version(%q, %d, %q, %d) = %q, %v; want %q", tc.upstream, tc.revision, tc.suite, tc.build, got, err, tc.want)
		}
	}
}

// TestVersionOrder checks with dpkg itself that our versions sort the way
// releases happen: revision, then build, then upstream; suites by name.
func TestVersionOrder(t *testing.T) {
	need(t, "dpkg")
	v := func(up string, rev int, suite string, build int) string {
		s, err := Version(&recipe.Recipe{Version: up, Revision: rev}, suite, build)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	ascending := []string{
		v("1.22.1", 1, "bookworm", 1),
		v("1.22.1", 2, "bookworm", 1),
		v("1.22.1", 2, "bookworm", 2),
		v("1.22.1", 2, "bookworm", 10), // numeric, not lexical
		v("1.22.2", 1, "bookworm", 1),
	}
	for i := 0; i+1 < len(ascending); i++ {
		lt(t, ascending[i], ascending[i+1])
	}
	lt(t, v("1.22.1", 1, "bookworm", 1), v("1.22.1", 1, "trixie", 1))
	// A later official Debian revision without our suffix wins.
	lt(t, v("1.22.1", 1, "trixie", 9), "1.22.1-1")
}

func lt(t *testing.T, a, b string) {
	t.Helper()
	if err := exec.Command("dpkg", "--compare-versions", a, "lt", b).Run(); err != nil {
		t.Errorf("dpkg --compare-versions %s lt %s: %v", a, b, err)
	}
}
