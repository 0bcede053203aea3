package deb

import (
	"fmt"
	"sort"
	"strings"
)

// depGroup is one Depends entry: alternatives separated by '|'.
type depGroup []string

// parseDepends splits "a (>= 1), b | c" into groups of trimmed alternatives.
func parseDepends(s string) []depGroup {
	var out []depGroup
	for _, entry := range strings.Split(s, ",") {
		var g depGroup
		for _, alt := range strings.Split(entry, "|") {
			if alt = strings.Join(strings.Fields(alt), " "); alt != "" {
				g = append(g, alt)
			}
		}
		if len(g) > 0 {
			out = append(out, g)
		}
	}
	return out
}

// depName is the package name of one alternative: "zlib1g (>= 1:1.1.4)" -> zlib1g.
func depName(alt string) string {
	name, _, _ := strings.Cut(alt, " ")
	name, _, _ = strings.Cut(name, "(")
	name, _, _ = strings.Cut(name, ":") // name:any
	return name
}

func (g depGroup) String() string { return strings.Join(g, " | ") }

// dropAlternatives removes the named packages from every group. A group
// that would become empty is an error: dropping a dependency entirely is
// not what DropAlternatives is for (FACTS §2: keep libluajit2-5.1-2,
// drop the "| libluajit-5.1-2" that is not OpenResty's LuaJIT).
func dropAlternatives(groups []depGroup, drop []string) ([]depGroup, error) {
	skip := map[string]bool{}
	for _, d := range drop {
		skip[d] = true
	}
	out := make([]depGroup, 0, len(groups))
	for _, g := range groups {
		var kept depGroup
		for _, alt := range g {
			if !skip[depName(alt)] {
				kept = append(kept, alt)
			}
		}
		if len(kept) == 0 {
			return nil, fmt.Errorf("drop-alternatives removes every alternative of %q", g.String())
		}
		out = append(out, kept)
	}
	return out, nil
}

// mergeDepends combines the computed dependencies with the recipe's. A
// recipe entry naming a single package that is also computed replaces the
// computed one only when it carries a version (the author knows better);
// a bare name adds nothing the computed entry lacks. The result is sorted
// by first package name so output does not depend on input order.
func mergeDepends(computed []depGroup, extra []string) []string {
	byKey := map[string]depGroup{}
	for _, g := range computed {
		byKey[g.String()] = g
	}
	single := func(g depGroup) (string, bool) {
		if len(g) == 1 {
			return depName(g[0]), true
		}
		return "", false
	}
	for _, e := range extra {
		for _, g := range parseDepends(e) {
			name, ok := single(g)
			if ok {
				if replaced := replaceSingle(byKey, name, g); replaced {
					continue
				}
			}
			byKey[g.String()] = g
		}
	}
	out := make([]string, 0, len(byKey))
	for k := range byKey {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool {
		ni, nj := depName(out[i]), depName(out[j])
		if ni != nj {
			return ni < nj
		}
		return out[i] < out[j]
	})
	return out
}

// replaceSingle handles a recipe entry g for package name that already has a
// single-alternative entry; it reports whether g was absorbed.
func replaceSingle(byKey map[string]depGroup, name string, g depGroup) bool {
	for k, old := range byKey {
		if len(old) != 1 || depName(old[0]) != name {
			continue
		}
		if g[0] != name { // versioned: the recipe wins
			delete(byKey, k)
			byKey[g.String()] = g
		}
		return true
	}
	return false
}
