package deb

import (
	"bytes"
	"embed"
	"strings"
	"text/template"
)

//go:embed templates/*.tmpl
var templateFS embed.FS

var templates = template.Must(template.New("").Option("missingkey=error").
	Funcs(template.FuncMap{"upper": strings.ToUpper, "short": short}).
	ParseFS(templateFS, "templates/*.tmpl"))

// render executes templates/<name>.tmpl with data.
func render(name string, data any) ([]byte, error) {
	var buf bytes.Buffer
	if err := templates.ExecuteTemplate(&buf, name+".tmpl", data); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// short abbreviates a hex key to 12 digits, as git and "repoctl build" do,
// keeping changelog lines under 80 columns.
func short(key string) string {
	if len(key) > 12 {
		return key[:12]
	}
	return key
}
