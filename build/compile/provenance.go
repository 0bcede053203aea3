package compile

import "github.com/repoctl/repoctl/build/source"

// provenance records what went into the build.
func (b *builder) provenance(prep *source.Prepared, configure []string, epoch int64) Provenance {
	p := Provenance{
		Recipe:          b.r.Name,
		RecipeHash:      b.in.recipeHash,
		BuildKey:        b.in.key,
		Patches:         append([]string{}, prep.Patches...),
		Configure:       configure,
		Compiler:        b.in.compiler,
		Suite:           b.o.Suite,
		RootPackages:    b.in.rootPackages,
		SourceDateEpoch: epoch,
	}
	for _, s := range prep.Sources {
		p.Sources = append(p.Sources, ProvenanceSource(s))
	}
	return p
}
