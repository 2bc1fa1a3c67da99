// Package lint is meshlint's engine: Check values, the Pass a check reports
// through, Finding, the Index of typed resources with its secondary Tables,
// the View that checks read (an Index, or the webhook's Overlay of an
// incoming object on its cached Index), Resource, Mesh, and the Runner. It
// knows nothing about files, HTTP or clusters, nor about any one check: front
// ends build the Index (the CLI from files, the webhook from an informer
// cache, --cluster from a live list) and run the catalog of package
// lint/checks, unchanged in all three. The engine's own finding is ML000
// internal-error (InternalError), which a panicking check turns into.
//
// # Adding a check
//
// A check lives in package lint/checks; nothing in this package, nor in
// webhook/, cmd/ or config/, changes:
//
//  1. One file, lint/checks/mlNNN_<name>.go: the Check value (ID, name,
//     severity, Kinds it runs on, Reads for the other kinds it looks up,
//     Summary, Doc, Example, Remediation, Options) with its Run function.
//     Cross-resource lookups go through Tables (host tables for hosts),
//     listed in Tables, never through scans of all pairs. Istio semantics
//     that several checks share (host matching, gateway binding, mTLS,
//     workloads) are in the package's shared files (hosts.go, gateway.go,
//     mtls.go, workload.go, tables.go), not in another check's file.
//  2. If Run reads resources other than the one it runs on, an Affects
//     function: given a changed resource of a kind in Reads (or Kinds), the
//     resources whose findings of the check it can change, through tables.
//     The webhook re-checks exactly these on admission; TestAffectsCoversReads
//     fails when a firing fixture shows a read that Affects does not map back.
//  3. Fixtures under lint/checks/testdata/<name>/: fire_*.txtar and
//     quiet_*.txtar for every "fires" and "quiet" line of the check's
//     definition, expectations in the want section (go test ./lint/checks
//     -run TestFixtures -update writes them; review the diff).
//  4. One line in checks.Registry, in ID order.
//  5. An example in examples/NN-<name>.yaml that fires once, beside its
//     fixed version, then regenerate docs/checks.md, the README catalog and
//     examples/README.md with go test ./cmd/meshlint -run . -update.
//
// The webhook's index maintains the enabled checks' tables (Runner.Tables)
// and its re-check set is Runner.Affected; the CLI and the config file
// resolve IDs and names through checks.Lookup.
package lint
