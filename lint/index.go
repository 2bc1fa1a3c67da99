package lint

import (
	"slices"
	"sync"
)

// A Table is a secondary index over the resources of one kind: Keys returns
// the keys a resource is filed under. Checks declare the tables they look
// things up in (Check.Tables), so that cross-resource lookups are map hits
// rather than scans of all pairs, and so that the webhook can keep every
// table current from informer events.
type Table struct {
	Name string
	Kind Kind
	Keys func(r *Resource, m *Mesh) []string
}

// HostTable returns a table of resources of kind filed by the expanded hosts
// hosts returns, so that LookupHost finds them by exact and wildcard match.
func HostTable(name string, kind Kind, hosts func(r *Resource, m *Mesh) []string) *Table {
	return &Table{Name: name, Kind: kind, Keys: func(r *Resource, m *Mesh) []string {
		var keys []string
		for _, h := range hosts(r, m) {
			keys = append(keys, hostFileKeys(h)...)
		}
		return keys
	}}
}

// A View is what checks see: the resources of a run and their tables. An
// Index is a View; the webhook lays the incoming object over its cached
// Index with Overlay.
type View interface {
	// Mesh returns the effective mesh settings.
	Mesh() *Mesh
	// Full reports whether the whole cluster is visible (webhook, --cluster)
	// rather than a possibly partial set of files.
	Full() bool
	// Get returns the resource with key k, or nil.
	Get(k Key) *Resource
	// List returns the resources of a kind, ordered by key.
	List(kind Kind) []*Resource
	// Lookup returns the resources filed under key in table t, ordered by key.
	Lookup(t *Table, key string) []*Resource
}

// LookupHost returns the resources of a host table whose hosts overlap host
// (exact, or by wildcard in either direction), ordered by key.
func LookupHost(v View, t *Table, host string) []*Resource {
	if host == "*" {
		return v.List(t.Kind)
	}
	var out []*Resource
	seen := map[Key]bool{}
	for _, k := range hostLookupKeys(host) {
		for _, r := range v.Lookup(t, k) {
			if !seen[r.Key()] {
				seen[r.Key()] = true
				out = append(out, r)
			}
		}
	}
	sortResources(out)
	return out
}

func sortResources(rs []*Resource) {
	slices.SortFunc(rs, func(a, b *Resource) int {
		ka, kb := a.Key(), b.Key()
		switch {
		case ka == kb:
			return 0
		case ka.Less(kb):
			return -1
		}
		return 1
	})
}

// Index holds resources by kind and key, with the registered tables. It is
// safe for concurrent use; Add and Remove keep every table current, so the
// webhook never rebuilds it per request.
type Index struct {
	mu     sync.RWMutex
	base   Mesh
	mesh   Mesh
	full   bool
	tables []*Table
	byKey  map[Key]*Resource
	byKind map[Kind]map[Key]*Resource
	// entries[t][key] is the set of resources filed under key in table t.
	entries map[*Table]map[string]map[Key]*Resource
	// fileKeys remembers the keys each resource was filed under, so that
	// Remove takes it out without recomputing them.
	fileKeys map[Key][]tableKey
}

type tableKey struct {
	t   *Table
	key string
}

// NewIndex returns an empty index with the base mesh settings (from the
// config file) and the tables to maintain. full says whether the index will
// hold the whole cluster.
func NewIndex(base Mesh, full bool, tables []*Table) *Index {
	ix := &Index{
		base: base, mesh: base, full: full,
		byKey:    map[Key]*Resource{},
		byKind:   map[Kind]map[Key]*Resource{},
		entries:  map[*Table]map[string]map[Key]*Resource{},
		fileKeys: map[Key][]tableKey{},
	}
	seen := map[*Table]bool{}
	for _, t := range tables {
		if !seen[t] {
			seen[t] = true
			ix.tables = append(ix.tables, t)
			ix.entries[t] = map[string]map[Key]*Resource{}
		}
	}
	return ix
}

// Mesh implements View.
func (ix *Index) Mesh() *Mesh {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	m := ix.mesh
	return &m
}

// Full implements View.
func (ix *Index) Full() bool { return ix.full }

// Len returns the number of resources in the index.
func (ix *Index) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return len(ix.byKey)
}

// Add files r in the index, replacing a resource with the same key.
func (ix *Index) Add(r *Resource) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.removeLocked(r.Key())
	k := r.Key()
	ix.byKey[k] = r
	kind := ix.byKind[r.Kind]
	if kind == nil {
		kind = map[Key]*Resource{}
		ix.byKind[r.Kind] = kind
	}
	kind[k] = r
	var fks []tableKey
	for _, t := range ix.tables {
		if t.Kind != r.Kind {
			continue
		}
		for _, key := range t.Keys(r, &ix.base) {
			set := ix.entries[t][key]
			if set == nil {
				set = map[Key]*Resource{}
				ix.entries[t][key] = set
			}
			set[k] = r
			fks = append(fks, tableKey{t, key})
		}
	}
	if len(fks) > 0 {
		ix.fileKeys[k] = fks
	}
	if r.Kind == KindMeshConfig {
		ix.recomputeMeshLocked()
	}
}

// Remove takes the resource with key k out of the index.
func (ix *Index) Remove(k Key) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.removeLocked(k)
}

func (ix *Index) removeLocked(k Key) {
	if _, ok := ix.byKey[k]; !ok {
		return
	}
	delete(ix.byKey, k)
	delete(ix.byKind[k.Kind], k)
	for _, tk := range ix.fileKeys[k] {
		set := ix.entries[tk.t][tk.key]
		delete(set, k)
		if len(set) == 0 {
			delete(ix.entries[tk.t], tk.key)
		}
	}
	delete(ix.fileKeys, k)
	if k.Kind == KindMeshConfig {
		ix.recomputeMeshLocked()
	}
}

// recomputeMeshLocked overlays the mesh config resources on the base
// settings, in key order so that the result does not depend on event order.
func (ix *Index) recomputeMeshLocked() {
	m := ix.base
	keys := make([]Key, 0, len(ix.byKind[KindMeshConfig]))
	for k := range ix.byKind[KindMeshConfig] {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b Key) int {
		if a.Less(b) {
			return -1
		}
		return 1
	})
	for _, k := range keys {
		m = m.withConfig(ix.byKind[KindMeshConfig][k].MeshConfig())
	}
	ix.mesh = m
}

// Get implements View.
func (ix *Index) Get(k Key) *Resource {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.byKey[k]
}

// List implements View.
func (ix *Index) List(kind Kind) []*Resource {
	ix.mu.RLock()
	out := make([]*Resource, 0, len(ix.byKind[kind]))
	for _, r := range ix.byKind[kind] {
		out = append(out, r)
	}
	ix.mu.RUnlock()
	sortResources(out)
	return out
}

// Lookup implements View.
func (ix *Index) Lookup(t *Table, key string) []*Resource {
	ix.mu.RLock()
	tab, ok := ix.entries[t]
	if !ok {
		ix.mu.RUnlock()
		panic("lint: lookup in table " + t.Name + " that the index does not maintain")
	}
	set := tab[key]
	if len(set) == 0 {
		ix.mu.RUnlock()
		return nil
	}
	out := make([]*Resource, 0, len(set))
	for _, r := range set {
		out = append(out, r)
	}
	ix.mu.RUnlock()
	sortResources(out)
	return out
}

// Overlay returns a view of base in which the resources of top replace
// those with the same key, and the resources keyed by hidden are absent:
// the webhook's view of the cluster with the incoming object (CREATE,
// UPDATE) laid over it, or with the deleted one removed.
func Overlay(base *Index, top []*Resource, hidden ...Key) View {
	o := &overlay{base: base, hide: map[Key]bool{}}
	o.top = NewIndex(base.base, base.full, base.tables)
	for _, r := range top {
		o.top.Add(r)
		o.hide[r.Key()] = true
	}
	for _, k := range hidden {
		o.hide[k] = true
	}
	m := base.Mesh()
	// Mesh config resources among top replace their stored versions.
	hasMesh := false
	for _, r := range top {
		hasMesh = hasMesh || r.Kind == KindMeshConfig
	}
	for _, k := range hidden {
		hasMesh = hasMesh || k.Kind == KindMeshConfig
	}
	if hasMesh {
		mm := base.base
		for _, r := range o.List(KindMeshConfig) {
			mm = mm.withConfig(r.MeshConfig())
		}
		m = &mm
	}
	o.mesh = m
	return o
}

type overlay struct {
	base *Index
	top  *Index
	hide map[Key]bool
	mesh *Mesh
}

func (o *overlay) Mesh() *Mesh { m := *o.mesh; return &m }
func (o *overlay) Full() bool  { return o.base.full }

func (o *overlay) Get(k Key) *Resource {
	if r := o.top.Get(k); r != nil {
		return r
	}
	if o.hide[k] {
		return nil
	}
	return o.base.Get(k)
}

func (o *overlay) merge(base, top []*Resource) []*Resource {
	out := make([]*Resource, 0, len(base)+len(top))
	for _, r := range base {
		if !o.hide[r.Key()] {
			out = append(out, r)
		}
	}
	if len(top) == 0 {
		return out
	}
	out = append(out, top...)
	sortResources(out)
	return out
}

func (o *overlay) List(kind Kind) []*Resource {
	return o.merge(o.base.List(kind), o.top.List(kind))
}

func (o *overlay) Lookup(t *Table, key string) []*Resource {
	return o.merge(o.base.Lookup(t, key), o.top.Lookup(t, key))
}
