package recipe

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad feeds arbitrary bytes to the parser and validator: they must
// return an error or a recipe, never panic.
func FuzzLoad(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(fixtures, "*.yaml"))
	for _, file := range files {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("a: &a [*a, *a]\nsources: *a\n"))
	f.Add([]byte("sources: [{name: x, patches: [{strip: -1}]}]\nsuites: {x: {env: {a: b}}}\n"))
	path := filepath.Join(fixtures, "fuzz.yaml") // never written: Parse gets the bytes
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Parse(path, data)
		if err != nil {
			if len(Problems(err)) == 0 {
				t.Fatalf("error without a located problem: %v", err)
			}
			return
		}
		if err := r.Validate(); err != nil && len(Problems(err)) == 0 {
			t.Fatalf("validation error without a problem: %v", err)
		}
		_ = r.ForSuite("bookworm")
	})
}
