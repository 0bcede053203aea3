package deb

import (
	"reflect"
	"strings"
	"testing"
)

// bookwormNginx is dpkg-shlibdeps' answer for the offline recipe (FACTS §2).
const bookwormNginx = "libc6 (>= 2.34), libcrypt1 (>= 1:4.1.0), libluajit2-5.1-2 (>= 2.1-20220411) | libluajit-5.1-2 (>= 2.1.0~beta3), libpcre2-8-0 (>= 10.22), libssl3 (>= 3.0.0), zlib1g (>= 1:1.1.4)"

func TestDependsMergeAndDrop(t *testing.T) {
	for _, tc := range []struct {
		name     string
		computed string
		drop     []string
		extra    []string
		want     string // joined with ", "; "ERR" for an error
	}{
		{
			name:     "FACTS §2: keep OpenResty's LuaJIT only",
			computed: bookwormNginx,
			drop:     []string{"libluajit-5.1-2"},
			want:     "libc6 (>= 2.34), libcrypt1 (>= 1:4.1.0), libluajit2-5.1-2 (>= 2.1-20220411), libpcre2-8-0 (>= 10.22), libssl3 (>= 3.0.0), zlib1g (>= 1:1.1.4)",
		},
		{
			name:     "nothing to drop keeps alternatives",
			computed: "a (>= 1) | b (>= 2), c",
			want:     "a (>= 1) | b (>= 2), c",
		},
		{
			name:     "drop first alternative",
			computed: "a (>= 1) | b (>= 2)",
			drop:     []string{"a"},
			want:     "b (>= 2)",
		},
		{
			name:     "dropping every alternative is an error",
			computed: "a (>= 1) | b",
			drop:     []string{"a", "b"},
			want:     "ERR",
		},
		{
			name:     "recipe adds packages, sorted by name",
			computed: "zlib1g (>= 1:1.1.4), libc6 (>= 2.34)",
			extra:    []string{"logrotate", "adduser"},
			want:     "adduser, libc6 (>= 2.34), logrotate, zlib1g (>= 1:1.1.4)",
		},
		{
			name:     "versioned recipe entry replaces the computed one",
			computed: "libssl3 (>= 3.0.0), libc6 (>= 2.34)",
			extra:    []string{"libssl3 (>= 3.0.11)"},
			want:     "libc6 (>= 2.34), libssl3 (>= 3.0.11)",
		},
		{
			name:     "bare recipe entry does not loosen the computed one",
			computed: "libssl3 (>= 3.0.0)",
			extra:    []string{"libssl3"},
			want:     "libssl3 (>= 3.0.0)",
		},
		{
			name:     "duplicates collapse, whitespace normalised",
			computed: "libc6  (>= 2.34),libc6 (>= 2.34)",
			extra:    []string{"ca-certificates | openssl", "ca-certificates|openssl"},
			want:     "ca-certificates | openssl, libc6 (>= 2.34)",
		},
		{
			name: "nothing computed (no ELF files)",
			want: "",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			groups, err := dropAlternatives(parseDepends(tc.computed), tc.drop)
			if tc.want == "ERR" {
				if err == nil {
					t.Fatalf("want an error, got %v", groups)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := strings.Join(mergeDepends(groups, tc.extra), ", ")
			if got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestParseShlibdeps(t *testing.T) {
	out := "misc:Foo=bar\nshlibs:Depends=libc6 (>= 2.34), a | b (>= 1)\n"
	got, err := parseShlibdeps(out)
	if err != nil {
		t.Fatal(err)
	}
	want := []depGroup{{"libc6 (>= 2.34)"}, {"a", "b (>= 1)"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if _, err := parseShlibdeps("garbage\n"); err == nil {
		t.Error("output without shlibs:Depends: want an error")
	}
}

func TestDepName(t *testing.T) {
	for in, want := range map[string]string{
		"zlib1g (>= 1:1.1.4)": "zlib1g",
		"libc6":               "libc6",
		"python3:any":         "python3",
		"foo(>= 1)":           "foo",
	} {
		if got := depName(in); got != want {
			t.Errorf("depName(%q) = %q, want %q", in, got, want)
		}
	}
}
