package compile

import (
	"fmt"

	"github.com/repoctl/repoctl/build/recipe"
)

// configureArgs returns the directory where ./configure runs and its
// arguments: the recipe's (with $VARS expanded) followed by one
// --add-module= (or --add-dynamic-module=) per module, with the module
// source's absolute directory. Paths are passed, never edited in with sed.
func configureArgs(r *recipe.Recipe, dirs map[string]string, env map[string]string) (string, []string, error) {
	name := r.Build.Directory
	if name == "" && len(r.Sources) > 0 {
		name = r.Sources[0].Name
	}
	dir, ok := dirs[name]
	if !ok {
		return "", nil, fmt.Errorf("build directory: source %q was not prepared", name)
	}
	var args []string
	for _, a := range r.Build.Configure {
		v, err := expand(a, env)
		if err != nil {
			return "", nil, err
		}
		args = append(args, v)
	}
	for _, m := range r.Build.Modules {
		d, ok := dirs[m.Source]
		if !ok {
			return "", nil, fmt.Errorf("module: source %q was not prepared", m.Source)
		}
		flag := "--add-module="
		if m.Dynamic {
			flag = "--add-dynamic-module="
		}
		args = append(args, flag+d)
	}
	return dir, args, nil
}
