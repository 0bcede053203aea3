package main

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/repoctl/repoctl/build/recipe"
	"github.com/repoctl/repoctl/internal/errs"
)

func init() { register(newRecipeCmd) }

func newRecipeCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "recipe",
		Short: "Work with build recipes",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newRecipeCheckCmd(app))
	return cmd
}

func newRecipeCheckCmd(app *App) *cobra.Command {
	return &cobra.Command{
		Use:   "check FILE...",
		Short: "Validate recipes offline: every problem, with file, line and field",
		Long: `check loads each recipe strictly (an unknown field is an error) and
validates it without touching the network: source kinds, checksums, URLs,
names, patch files and references, package fields. It prints "ok FILE" for
a good recipe and every problem of a bad one, and exits 2 if any is bad.
With --json it prints one report per file.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			return runRecipeCheck(app, args)
		},
	}
}

// recipeReport is the --json result for one file.
type recipeReport struct {
	File     string           `json:"file"`
	OK       bool             `json:"ok"`
	Problems []recipe.Problem `json:"problems,omitempty"`
}

func runRecipeCheck(app *App, files []string) error {
	reports := make([]recipeReport, 0, len(files))
	bad := 0
	for _, f := range files {
		rep := checkRecipe(f)
		if !rep.OK {
			bad++
		}
		reports = append(reports, rep)
		if app.JSON {
			continue
		}
		if rep.OK {
			fmt.Fprintf(app.Out, "ok %s\n", f)
		}
		for _, p := range rep.Problems {
			fmt.Fprintln(app.Out, p.Error())
		}
	}
	if app.JSON {
		enc := json.NewEncoder(app.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(reports); err != nil {
			return err
		}
	}
	if bad > 0 {
		return errs.Usage(fmt.Errorf("%d of %d recipes have problems", bad, len(files)))
	}
	return nil
}

func checkRecipe(file string) recipeReport {
	_, err := recipe.Load(file)
	if err == nil {
		return recipeReport{File: file, OK: true}
	}
	ps := recipe.Problems(err)
	if len(ps) == 0 { // not located: still name the file
		ps = []recipe.Problem{{File: file, Msg: err.Error()}}
	}
	return recipeReport{File: file, Problems: ps}
}
