package cluster

import (
	"github.com/meshlint/meshlint/lint"
)

// WhatIf lints files laid over a snapshot of a cluster, the way the
// webhook lays an incoming object over its cache: a file's resource
// replaces the live one with the same kind, namespace and name. With all
// set it returns every finding on the resulting state (on the snapshot's
// targets and the files' resources); otherwise only those the files cause:
// every finding on the files' own resources, and the findings on live
// resources that the cluster as it is does not have (a Gateway switched to
// PASSTHROUGH breaks a VirtualService in another namespace).
func WhatIf(rn *lint.Runner, mesh lint.Mesh, snap *Snapshot, files []*lint.Resource, all bool) []lint.Finding {
	ix := lint.NewIndex(mesh, true, rn.Tables())
	for _, r := range snap.All {
		ix.Add(r)
	}
	replaced := map[lint.Key]bool{}
	for _, r := range files {
		replaced[r.Key()] = true
	}
	var live []*lint.Resource
	for _, r := range snap.Targets {
		if !replaced[r.Key()] {
			live = append(live, r)
		}
	}
	view := lint.Overlay(ix, files)
	after := rn.Run(view, append(append([]*lint.Resource{}, files...), live...))
	if all {
		return after
	}
	before := map[findingKey]bool{}
	for _, f := range rn.Run(ix, live) {
		before[keyOf(f)] = true
	}
	fromFiles := map[*lint.Resource]bool{}
	for _, r := range files {
		fromFiles[r] = true
	}
	var out []lint.Finding
	for _, f := range after {
		if fromFiles[f.Resource] || !before[keyOf(f)] {
			out = append(out, f)
		}
	}
	return out
}

// findingKey identifies a finding across two runs over the same live
// resource.
type findingKey struct {
	check    string
	resource lint.Key
	path     string
	message  string
}

func keyOf(f lint.Finding) findingKey {
	return findingKey{f.Check.ID, f.Resource.Key(), f.Path, f.Message}
}
