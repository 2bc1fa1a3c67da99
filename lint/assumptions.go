package lint

// Assumptions says, for the docs, what every check assumes about its input:
// the rules that keep findings true of a repository as its authors apply
// it. docs/checks.md and the README carry it.
const Assumptions = `Files are a repository, not a cluster. Every check follows these rules, so that a finding is
true of the repository as its authors apply it:

- **Several versions of one resource.** Tutorial steps, per-cluster overlays and a base with its
  patch define the same kind, namespace and name more than once. meshlint keeps every variant: a
  reference holds when any variant satisfies it (a subset defined by one of two same-named
  DestinationRules is defined), a finding that rests on what a referenced resource says fires only
  when every variant says it, and nothing depends on the order of the files. Each variant is itself
  checked, at its own file and line. The webhook and ` + "`--cluster`" + ` see one object per name.
- **Resources without a namespace.** A file without ` + "`metadata.namespace`" + ` is applied with
  ` + "`kubectl apply -n`" + ` into a namespace of the user's choosing. Namespace-less resources are
  put in the run's default namespace (` + "`-n`" + `, else ` + "`default`" + `) and see each other; a
  namespace-less Gateway, or a DestinationRule for a short host, satisfies a reference into any
  namespace, and a namespace-less VirtualService is not held to a server host's namespace part
  (` + "`bookinfo/*`" + `).
- **Partial input.** An application repository refers to things it does not own: a shared gateway
  in another namespace, another team's DestinationRules. A missing Gateway or DestinationRule is a
  warning when the files hold others of that kind in its namespace, and ` + "`info`" + ` (which does not
  fail CI by default) when they hold none there. With the whole cluster visible (webhook,
  ` + "`--cluster`" + `) it is an error.
- **Workloads outside the mesh.** Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs,
  CronJobs and Pods are read for their pod template's labels and annotations only, Namespaces for
  their labels. A server whose pods opt out of injection (` + "`sidecar.istio.io/inject: \"false\"`" + `),
  or whose Namespace is labelled ` + "`istio-injection: disabled`" + ` (or has no injection label while
  another Namespace in the input has one), has no sidecar, and checks that assume one are quiet.
  The webhook and ` + "`--cluster`" + ` read the cluster's Namespaces the same way; workloads they do
  not read (a cluster has too many).
- **Gateway API.** Kubernetes Gateway API Gateways, HTTPRoutes, GRPCRoutes and TLSRoutes are read
  for what they say about Istio resources: a VirtualService may bind to such a Gateway, and an
  HTTPRoute is plaintext traffic to its backends.
- **Fields that do not decode.** When ` + "`invalid-spec`" + ` reports a value it cannot decode
  (` + "`mode: MUTAL`" + `), no other check reads that field as its zero value.
- **Other documents.** Kinds meshlint does not read are skipped, and so are templates that a tool
  renders before applying them: a document with a ` + "`{{ .X }}`" + ` action where a value goes
  (` + "`-v`" + ` lists them). Inside a string, ` + "`{{ }}`" + ` is just text.`
