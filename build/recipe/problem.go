package recipe

import (
	"errors"
	"fmt"
)

// Problem is one thing wrong with a recipe, located as precisely as the
// YAML allows: "recipes/x.yaml:12: sources[2].sha256: missing".
type Problem struct {
	File  string `json:"file"`
	Line  int    `json:"line,omitempty"`  // 0 when unknown
	Field string `json:"field,omitempty"` // path of the field, e.g. sources[2].sha256
	Msg   string `json:"message"`
}

func (p Problem) Error() string {
	loc := p.File
	if p.Line > 0 {
		loc = fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	if p.Field == "" {
		return loc + ": " + p.Msg
	}
	return loc + ": " + p.Field + ": " + p.Msg
}

// Problems returns every Problem in err's chain (joined errors included),
// in order, so that a command can list them one per line or as JSON.
func Problems(err error) []Problem {
	var out []Problem
	var visit func(error)
	visit = func(e error) {
		if e == nil {
			return
		}
		if p, ok := e.(Problem); ok {
			out = append(out, p)
			return
		}
		switch u := e.(type) {
		case interface{ Unwrap() []error }:
			for _, c := range u.Unwrap() {
				visit(c)
			}
		default:
			visit(errors.Unwrap(e))
		}
	}
	visit(err)
	return out
}
