// Package cluster reads the resources meshlint checks from a live cluster,
// for `meshlint --cluster` and the webhook: the same kinds, typed the same
// way, so that every check runs unchanged.
package cluster

import (
	"context"
	"errors"
	"fmt"

	istioscheme "istio.io/client-go/pkg/clientset/versioned/scheme"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/meshlint/meshlint/lint"
	"github.com/meshlint/meshlint/lint/load"
)

// MeshConfigMapName is the default name of the ConfigMap in the root
// namespace whose `mesh` key holds the mesh config (the config's
// mesh.configMap names another, such as istio-<revision>).
const MeshConfigMapName = "istio"

// Scheme knows every type meshlint reads from a cluster: core/v1 and the
// Istio API groups.
func Scheme() *runtime.Scheme {
	s := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(s))
	utilruntime.Must(istioscheme.AddToScheme(s))
	return s
}

// A Type is a kind meshlint reads from a cluster: its row of
// lint.KindTable, with its typed object and list.
type Type = lint.KindInfo

// Types lists the kinds --cluster lists (lint.KindTable's Cluster rows),
// apart from the mesh ConfigMap, which is read by name.
var Types = clusterTypes()

func clusterTypes() []Type {
	var out []Type
	for _, k := range lint.KindTable() {
		if k.Cluster {
			out = append(out, k)
		}
	}
	return out
}

// Resource wraps an object read from a cluster (informer or list) in a
// lint.Resource.
func Resource(t Type, obj lint.Object) *lint.Resource {
	return lint.NewResource(obj, t.APIVersion)
}

// RESTConfig returns the client config for --kubeconfig and --context: the
// file when given, else in-cluster config when running in a pod, else the
// usual KUBECONFIG and ~/.kube/config rules.
func RESTConfig(kubeconfig, context string) (*rest.Config, error) {
	if kubeconfig == "" && context == "" {
		if cfg, err := rest.InClusterConfig(); err == nil {
			return cfg, nil
		} else if !errors.Is(err, rest.ErrNotInCluster) {
			return nil, fmt.Errorf("reading in-cluster config: %w", err)
		}
	}
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	if kubeconfig != "" {
		rules.ExplicitPath = kubeconfig
	}
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules,
		&clientcmd.ConfigOverrides{CurrentContext: context}).ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("loading kubeconfig: %w", err)
	}
	return cfg, nil
}

// Options select what List reads.
type Options struct {
	// Namespace limits the targets to one namespace; "" means all.
	Namespace string
	// Mesh gives the root namespace, where the mesh ConfigMap (named by
	// Mesh.MeshConfigMap) and the mesh-wide PeerAuthentication live.
	Mesh lint.Mesh
}

// Snapshot is what List read.
type Snapshot struct {
	// All is every resource read: the view checks see. Resources of other
	// namespaces are in it even with Options.Namespace, because a
	// VirtualService in one namespace binds to a Gateway in another.
	All []*lint.Resource
	// Targets are the resources to report on: those of Options.Namespace,
	// or All.
	Targets []*lint.Resource
	// Skipped names the kinds that could not be read (CRD not installed, or
	// no permission to list them), with why; the run goes on without them.
	Skipped []error
}

// List reads every kind meshlint checks from the cluster. It reads all
// namespaces so that cross-namespace references resolve, and falls back to
// Options.Namespace and the root namespace for kinds the caller may not list
// cluster-wide.
func List(ctx context.Context, cfg *rest.Config, opts Options) (*Snapshot, error) {
	c, err := client.New(cfg, client.Options{Scheme: Scheme()})
	if err != nil {
		return nil, fmt.Errorf("creating the cluster client: %w", err)
	}
	return ListWith(ctx, c, opts)
}

// ListWith is List with a given client (a cache-backed reader works too).
func ListWith(ctx context.Context, c client.Reader, opts Options) (*Snapshot, error) {
	root := opts.Mesh.RootNamespace
	if root == "" {
		root = lint.DefaultMesh().RootNamespace
	}
	snap := &Snapshot{}
	for _, t := range Types {
		objs, err := listType(ctx, c, t, opts.Namespace, root)
		if err != nil && t.Optional && apierrors.IsForbidden(err) {
			// Not an error of the run: it only knows less (%v, not %w).
			snap.Skipped = append(snap.Skipped, fmt.Errorf("listing %ss (not allowed; the checks go on without them): %v", t.Name, err))
			continue
		}
		if err != nil {
			if skippable(err) {
				snap.Skipped = append(snap.Skipped, fmt.Errorf("listing %ss: %w", t.Kind, err))
				continue
			}
			return nil, fmt.Errorf("listing %ss: %w", t.Kind, err)
		}
		for _, o := range objs {
			r := Resource(t, o)
			snap.All = append(snap.All, r)
			// Namespaces are read for what they say about the others; no
			// check reports on them.
			if !t.ClusterScoped && (opts.Namespace == "" || r.Namespace() == opts.Namespace) {
				snap.Targets = append(snap.Targets, r)
			}
		}
	}
	cm := &corev1.ConfigMap{}
	name := opts.Mesh.MeshConfigMap()
	switch err := c.Get(ctx, client.ObjectKey{Namespace: root, Name: name}, cm); {
	case err == nil:
		r, err := load.MeshConfigFromConfigMap(cm)
		if err != nil {
			snap.Skipped = append(snap.Skipped, fmt.Errorf("reading the mesh config: %w", err))
		} else {
			snap.All = append(snap.All, r)
			if opts.Namespace == "" || r.Namespace() == opts.Namespace {
				snap.Targets = append(snap.Targets, r)
			}
		}
	case apierrors.IsNotFound(err):
	case skippable(err):
		snap.Skipped = append(snap.Skipped, fmt.Errorf("reading ConfigMap %s/%s: %w", root, name, err))
	default:
		return nil, fmt.Errorf("reading ConfigMap %s/%s: %w", root, name, err)
	}
	return snap, nil
}

func listType(ctx context.Context, c client.Reader, t Type, ns, root string) ([]lint.Object, error) {
	list := t.NewList()
	err := c.List(ctx, list)
	if err == nil {
		return t.Items(list), nil
	}
	if ns == "" || t.ClusterScoped || !apierrors.IsForbidden(err) {
		return nil, err
	}
	// Without cluster-wide list permission: the namespace asked for, and the
	// root namespace for mesh-wide policy.
	var out []lint.Object
	for _, n := range uniq(ns, root) {
		list := t.NewList()
		if err := c.List(ctx, list, client.InNamespace(n)); err != nil {
			if apierrors.IsForbidden(err) && n == root && n != ns {
				continue
			}
			return nil, err
		}
		out = append(out, t.Items(list)...)
	}
	return out, nil
}

func uniq(a, b string) []string {
	if a == b {
		return []string{a}
	}
	return []string{a, b}
}

// skippable reports whether a kind can be left out: its CRD is not installed
// or the caller may not read it.
func skippable(err error) bool {
	return meta.IsNoMatchError(err) || apierrors.IsNotFound(err) || apierrors.IsForbidden(err)
}

// Lint runs the checks over a snapshot with the whole cluster visible (so
// checks for absent resources are errors), reporting on its targets.
func Lint(rn *lint.Runner, mesh lint.Mesh, snap *Snapshot) []lint.Finding {
	ix := lint.NewIndex(mesh, true, rn.Tables())
	for _, r := range snap.All {
		ix.Add(r)
	}
	return rn.Run(ix, snap.Targets)
}
