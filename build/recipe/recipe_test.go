package recipe

import (
	"path/filepath"
	"slices"
	"testing"
)

func TestForSuite(t *testing.T) {
	r, err := Load(filepath.Join(fixtures, "good.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		suite        string
		buildDepends []string
		depends      []string
		env          map[string]string
	}{
		{"bookworm", []string{"build-essential", "libssl-dev"}, nil, map[string]string{"CC": "gcc"}},
		{"trixie", []string{"build-essential"}, []string{"libssl3t64"}, map[string]string{"CC": "gcc", "EXTRA": "1"}},
	}
	for _, tt := range tests {
		t.Run(tt.suite, func(t *testing.T) {
			s := r.ForSuite(tt.suite)
			if !slices.Equal(s.BuildDepends, tt.buildDepends) || !slices.Equal(s.Package.Depends, tt.depends) {
				t.Errorf("build-depends %v depends %v", s.BuildDepends, s.Package.Depends)
			}
			if len(s.Build.Env) != len(tt.env) {
				t.Errorf("env %v, want %v", s.Build.Env, tt.env)
			}
			for k, v := range tt.env {
				if s.Build.Env[k] != v {
					t.Errorf("env[%s] = %q, want %q", k, s.Build.Env[k], v)
				}
			}
		})
	}
	if _, ok := r.Build.Env["EXTRA"]; ok || len(r.BuildDepends) != 2 {
		t.Errorf("ForSuite changed the original recipe: env %v build-depends %v", r.Build.Env, r.BuildDepends)
	}
}

func TestSourceAndDir(t *testing.T) {
	r, err := Load(filepath.Join(fixtures, "good.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if r.Dir() != fixtures {
		t.Errorf("Dir() = %q, want %q", r.Dir(), fixtures)
	}
	tests := []struct {
		name, kind string
		ok         bool
	}{
		{"nginx", KindURL, true},
		{"debian", KindDebian, true},
		{"local", KindPath, true},
		{"ghost", "", false},
	}
	for _, tt := range tests {
		s, ok := r.Source(tt.name)
		if ok != tt.ok || (ok && s.Kind() != tt.kind) {
			t.Errorf("Source(%q) = %v, %v", tt.name, s, ok)
		}
	}
	s, _ := r.Source("nginx")
	s.StripComponents = 7 // a pointer into the recipe: changes are seen
	if r.Sources[0].StripComponents != 7 {
		t.Error("Source did not return a pointer into the recipe")
	}
}

func TestSplitRef(t *testing.T) {
	tests := []struct {
		ref, src, path string
		ok             bool
	}{
		{"debian:debian/patches/series", "debian", "debian/patches/series", true},
		{"a:b:c", "a", "b:c", true},
		{"nocolon", "nocolon", "", false},
		{":path", "", "path", false},
		{"src:", "src", "", false},
	}
	for _, tt := range tests {
		src, p, ok := SplitRef(tt.ref)
		if src != tt.src || p != tt.path || ok != tt.ok {
			t.Errorf("SplitRef(%q) = %q %q %v", tt.ref, src, p, ok)
		}
	}
}
