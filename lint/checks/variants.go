package checks

import "github.com/meshlint/meshlint/lint"

// PartialInput reports whether a reference to a resource of kind in
// namespace ns that the view does not hold is clearly to something outside
// the input: files only, and the input holds no resource of that kind in
// that namespace at all (an application repository referring to a shared
// gateway, or to another team's DestinationRules). Checks then report the
// missing reference as info, not as a warning that fails CI by default. The
// check must list ByNamespace(kind) in its Tables.
func PartialInput(v lint.View, kind lint.Kind, ns string) bool {
	return !v.Full() && v.Count(ByNamespace(kind), ns) == 0
}

// EveryVariant reports whether pred holds for every variant of r's key in
// the view (r itself when the view holds no other): a finding that rests on
// what one of several same-named resources in the files says is true only
// when all of them say it.
func EveryVariant(v lint.View, r *lint.Resource, pred func(*lint.Resource) bool) bool {
	vs := v.Variants(r.Key())
	if len(vs) == 0 {
		return pred(r)
	}
	for _, x := range vs {
		if !pred(x) {
			return false
		}
	}
	return true
}

// AppliedTogether reports whether two resources are known to be applied
// together, so that a conflict between them is real: always with the whole
// cluster visible; in files, when they are in the same file or the same
// rendering (one chart with its values, one kustomize build, applied at
// once). Separate files of one repository are often alternatives (tutorial
// steps, per-cluster copies, a canary and its rollback), applied one at a
// time.
func AppliedTogether(v lint.View, a, b *lint.Resource) bool {
	return v.Full() || a.Source.File == b.Source.File || a.Unit != "" && a.Unit == b.Unit
}

// VariantNote names the file of r when its key has several variants in the
// view, for messages that rest on that one: " (in file x.yaml)", else "".
func VariantNote(v lint.View, r *lint.Resource) string {
	if len(v.Variants(r.Key())) < 2 || r.Source.File == "" {
		return ""
	}
	return " (in " + r.Source.File + ")"
}
