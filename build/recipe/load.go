package recipe

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/repoctl/repoctl/internal/errs"
)

// maxRecipeSize bounds what Load reads: a recipe is a page of YAML, and a
// bigger file is a mistake (or an attack on the parser).
const maxRecipeSize = 1 << 20

// Load reads a recipe strictly (an unknown field is an error), then
// validates it. Every problem is reported, unknown fields and invalid values
// together, each naming file, line and field; the error is marked
// errs.Usage.
func Load(path string) (*Recipe, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, usage(Problem{File: path, Msg: "cannot read recipe: " + unwrapPathErr(err).Error()})
	}
	r, unknown, err := decode(path, data)
	if err != nil {
		return nil, err
	}
	problems := append(unknown, asErrors(Problems(r.Validate()))...)
	if len(problems) > 0 {
		return nil, errs.Usage(errors.Join(problems...))
	}
	return r, nil
}

// Parse decodes a recipe read from path strictly, without validating it.
// Unknown fields, wrong types and YAML syntax errors are reported with
// their line.
func Parse(path string, data []byte) (*Recipe, error) {
	r, unknown, err := decode(path, data)
	if err != nil {
		return nil, err
	}
	if len(unknown) > 0 {
		return nil, errs.Usage(errors.Join(unknown...))
	}
	return r, nil
}

// decode returns the recipe and its unknown fields; err is a syntax or type
// error that leaves nothing to validate.
func decode(path string, data []byte) (*Recipe, []error, error) {
	if len(data) > maxRecipeSize {
		return nil, nil, usage(Problem{File: path, Msg: fmt.Sprintf("recipe is %d bytes, more than the %d allowed", len(data), maxRecipeSize)})
	}
	var doc yaml.Node
	err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc)
	if errors.Is(err, io.EOF) {
		return nil, nil, usage(Problem{File: path, Msg: "empty recipe"})
	}
	if err != nil {
		return nil, nil, usage(yamlProblems(path, err, nil)...)
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, nil, usage(Problem{File: path, Line: doc.Line, Msg: "recipe must be a YAML mapping (name:, version:, sources:, ...)"})
	}
	r := &Recipe{Path: path, lines: map[string]int{}}
	var unknown []error
	walk(doc.Content[0], reflect.TypeOf(*r), "", r.lines, path, &unknown)
	if err := doc.Content[0].Decode(r); err != nil {
		return nil, nil, usage(yamlProblems(path, err, r.lines)...)
	}
	return r, unknown, nil
}

func asErrors(ps []Problem) []error {
	out := make([]error, len(ps))
	for i, p := range ps {
		out[i] = p
	}
	return out
}

// walk records the line of every field and reports fields the schema does
// not know, so a typo ("sha265:") is an error rather than silently ignored.
// Aliases are not followed: their anchor was walked where it was defined,
// and following them would let "billion laughs" documents blow up.
func walk(n *yaml.Node, t reflect.Type, path string, lines map[string]int, file string, problems *[]error) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t.Kind() == reflect.Struct && n.Kind == yaml.MappingNode:
		fields := yamlFields(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := join(path, k.Value)
			lines[p] = k.Line
			f, ok := fields[k.Value]
			if !ok {
				*problems = append(*problems, Problem{File: file, Line: k.Line, Field: p, Msg: "unknown field" + suggest(k.Value, fields)})
				continue
			}
			walk(v, f, p, lines, file, problems)
		}
	case t.Kind() == reflect.Slice && n.Kind == yaml.SequenceNode:
		for i, e := range n.Content {
			p := fmt.Sprintf("%s[%d]", path, i)
			lines[p] = e.Line
			walk(e, t.Elem(), p, lines, file, problems)
		}
	case t.Kind() == reflect.Map && n.Kind == yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			p := join(path, n.Content[i].Value)
			lines[p] = n.Content[i].Line
			walk(n.Content[i+1], t.Elem(), p, lines, file, problems)
		}
	}
}

// yamlFields maps each yaml key of struct type t to its field type.
func yamlFields(t reflect.Type) map[string]reflect.Type {
	m := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "" || name == "-" || !f.IsExported() {
			continue
		}
		m[name] = f.Type
	}
	return m
}

// suggest names the known field closest to a misspelt one.
func suggest(key string, fields map[string]reflect.Type) string {
	best, bestDist := "", 3
	for f := range fields {
		if d := distance(key, f); d < bestDist || (d == bestDist && best != "" && f < best) {
			best, bestDist = f, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// distance is the Levenshtein distance, for short keys only.
func distance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 64
	}
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

var yamlLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// yamlProblems turns yaml.v3's "line N: ..." messages into problems that
// name the file, and the field read from that line when lines knows it.
func yamlProblems(file string, err error, lines map[string]int) []Problem {
	var msgs []string
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs = te.Errors
	} else {
		msgs = []string{err.Error()}
	}
	out := make([]Problem, 0, len(msgs))
	for _, m := range msgs {
		p := Problem{File: file, Msg: strings.TrimPrefix(m, "yaml: ")}
		if sm := yamlLine.FindStringSubmatch(m); sm != nil {
			p.Line, _ = strconv.Atoi(sm[1])
			p.Msg = strings.ReplaceAll(sm[2], " in type recipe.", " in ")
			p.Field = fieldAt(lines, p.Line)
		}
		out = append(out, p)
	}
	return out
}

// fieldAt returns the deepest field read from line ("" if none).
func fieldAt(lines map[string]int, line int) string {
	best := ""
	for f, l := range lines {
		if l == line && (len(f) > len(best) || (len(f) == len(best) && f < best)) {
			best = f
		}
	}
	return best
}

// usage joins problems into one error marked errs.Usage.
func usage(problems ...Problem) error {
	return errs.Usage(errors.Join(asErrors(problems)...))
}
