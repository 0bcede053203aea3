package buildroot

import "testing"

func TestEnsureBookworm(t *testing.T) {
	r := testRoot(t, "bookworm", "gcc", "libc6-dev", "make")
	if r.Suite != "bookworm" || r.Dir == "" {
		t.Fatalf("root = %+v", r)
	}
}
