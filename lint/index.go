package lint

import (
	"slices"
	"strings"
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
	// hosts marks a host table (see HostTable): Keys are hosts, and keys
	// "~suffix" look up every record under that parent domain.
	hosts bool
}

// HostTable returns a table of resources of kind filed by the expanded hosts
// hosts returns, so that LookupHost finds them by exact and wildcard match.
func HostTable(name string, kind Kind, hosts func(r *Resource, m *Mesh) []string) *Table {
	return &Table{Name: name, Kind: kind, Keys: hosts, hosts: true}
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
	// Get returns the resource with key k, or nil. When the input holds
	// several variants of k (files only: tutorial steps, overlays), it
	// returns the first by source position; a check whose finding depends on
	// the referenced object must read them all with Variants.
	Get(k Key) *Resource
	// Variants returns every resource with key k, ordered by source
	// position: one in the webhook and --cluster mode, possibly several in
	// files. Nil when there is none.
	Variants(k Key) []*Resource
	// List returns the resources of a kind, ordered by key.
	List(kind Kind) []*Resource
	// Lookup returns the resources filed under key in table t, ordered by key.
	Lookup(t *Table, key string) []*Resource
	// Count returns how many times resources are filed under key in table
	// t, without listing them: len(Lookup(t, key)) for a table whose Keys
	// never repeat a key for one resource. It costs the same whatever the
	// count, so a check can learn that a large bucket holds nothing new
	// without reading it. Host tables' wildcard (~) keys are not counted.
	Count(t *Table, key string) int
}

// LookupHost returns the resources of a host table whose hosts overlap host
// (exact, or by wildcard in either direction), ordered by key.
//
// The keys it looks up are substrings of host, so a lookup allocates only
// its result: the record filed under host itself, those filed under each
// parent domain's wildcard (".b.c" for "*.b.c", see HostIndexKey), and
// "*"; for a wildcard query also "~b.c", every record under b.c.
func LookupHost(v View, t *Table, host string) []*Resource {
	if host == "*" {
		return v.List(t.Kind)
	}
	out := v.Lookup(t, HostIndexKey(host))
	rest := host
	if strings.HasPrefix(host, "*.") {
		rest = host[1:]
		out = append(out, v.Lookup(t, "~"+rest[1:])...)
	}
	for {
		i := strings.IndexByte(rest[1:], '.')
		if i < 0 {
			break
		}
		rest = rest[i+1:]
		out = append(out, v.Lookup(t, rest)...)
	}
	out = append(out, v.Lookup(t, "*")...)
	SortResources(out)
	return slices.CompactFunc(out, func(a, b *Resource) bool { return a == b })
}

// HostIndexKey is the key a host is filed under in a host table: the host,
// or for a wildcard "*.b.c" the suffix ".b.c" that every host it matches
// ends with, so that a lookup finds it with a substring of its own host.
func HostIndexKey(h string) string {
	if strings.HasPrefix(h, "*.") {
		return h[1:]
	}
	return h
}

// hostOfIndexKey undoes HostIndexKey.
func hostOfIndexKey(k string) string {
	if strings.HasPrefix(k, ".") {
		return "*" + k
	}
	return k
}

// SortResources orders resources by kind, namespace and name, then
// variants of one key by source position: the order every lookup returns
// them in, whatever order the files were given in.
func SortResources(rs []*Resource) {
	slices.SortFunc(rs, CompareResources)
}

// Index holds resources by kind and key, with the registered tables. It is
// safe for concurrent use; Add and Remove keep every table current, so the
// webhook never rebuilds it per request.
//
// Buckets are slices: building is appends, lookups copy a small slice, and
// removal (informer events only) scans the buckets the resource was filed
// in. The "~suffix" buckets of host tables, which hold every record under a
// parent domain and serve only wildcard queries, are built on the first such
// query and kept current after that.
type Index struct {
	mu sync.RWMutex
	// frozen indexes (BuildIndex) take no more changes and are read
	// without locking: the CLI's, built once and then read by every check.
	frozen bool
	base   Mesh
	mesh   Mesh
	full   bool
	tables []*Table
	byKey  map[Key]*Resource
	byKind map[Kind]map[Key]*Resource
	// variants[k] are all the resources with key k when there are several
	// (BuildIndex only: the same name in several files); byKey and byKind
	// then hold the first by source position.
	variants map[Key][]*Resource
	// entries[t][key] are the resources filed under key in table t.
	entries map[*Table]map[string][]*Resource
	// suffixes[t]["~b.c"] are the records of host table t whose host is
	// under b.c; nil until the first wildcard query of t.
	// The map itself is written only by NewIndex; each entry is built
	// under the write lock, or once (frozen indexes).
	suffixes map[*Table]*suffixBuckets
	// fileKeys remembers the keys each resource was filed under, so that
	// Remove takes it out without recomputing them. Frozen indexes, built
	// in one go and never changed, do not fill it.
	fileKeys map[*Resource][]tableKey
}

// suffixBuckets are a host table's "~suffix" buckets, nil until built.
type suffixBuckets struct {
	once sync.Once
	m    map[string][]*Resource
}

type tableKey struct {
	t   *Table
	key string
}

// NewIndex returns an empty index with the base mesh settings (from the
// config file, Normalized) and the tables to maintain. full says whether the
// index will hold the whole cluster.
func NewIndex(base Mesh, full bool, tables []*Table) *Index {
	base = base.Normalized()
	ix := &Index{
		base: base, mesh: base, full: full,
		byKey:    map[Key]*Resource{},
		byKind:   map[Kind]map[Key]*Resource{},
		entries:  map[*Table]map[string][]*Resource{},
		suffixes: map[*Table]*suffixBuckets{},
		fileKeys: map[*Resource][]tableKey{},
	}
	seen := map[*Table]bool{}
	for _, t := range tables {
		if !seen[t] {
			seen[t] = true
			ix.tables = append(ix.tables, t)
			ix.entries[t] = map[string][]*Resource{}
			ix.suffixes[t] = &suffixBuckets{}
		}
	}
	return ix
}

// BuildIndex returns a frozen index of resources, built in one go: the
// CLI's. It keeps no bookkeeping for removals.
//
// Files may hold several variants of one key (tutorial steps, per-cluster
// overlays, a base and its patch). All of them are kept: every table files
// every variant, Variants returns them all, and Get returns the first by
// source position, so that nothing depends on the order of the files.
//
// The tables are independent, so they are built in parallel, each by one
// goroutine.
func BuildIndex(base Mesh, full bool, tables []*Table, resources []*Resource) *Index {
	ix := NewIndex(base, full, tables)
	ix.byKey = make(map[Key]*Resource, len(resources))
	keys := make([]Key, len(resources))
	for i, r := range resources {
		k := r.Key()
		keys[i] = k
		prev, dup := ix.byKey[k]
		if !dup {
			ix.byKey[k] = r
			continue
		}
		if ix.variants == nil {
			ix.variants = map[Key][]*Resource{}
		}
		if ix.variants[k] == nil {
			ix.variants[k] = []*Resource{prev}
		}
		ix.variants[k] = append(ix.variants[k], r)
		if CompareResources(r, prev) < 0 {
			ix.byKey[k] = r
		}
	}
	for _, vs := range ix.variants {
		SortResources(vs)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i, r := range resources {
			if ix.byKey[keys[i]] != r {
				continue
			}
			kind := ix.byKind[r.Kind]
			if kind == nil {
				kind = map[Key]*Resource{}
				ix.byKind[r.Kind] = kind
			}
			kind[keys[i]] = r
		}
	}()
	for _, t := range ix.tables {
		wg.Add(1)
		go func(t *Table, entries map[string][]*Resource) {
			defer wg.Done()
			for _, r := range resources {
				if r.Kind != t.Kind {
					continue
				}
				for _, key := range t.Keys(r, &ix.base) {
					if t.hosts {
						key = HostIndexKey(key)
					}
					entries[key] = append(entries[key], r)
				}
			}
		}(t, ix.entries[t])
	}
	wg.Wait()
	ix.recomputeMeshLocked()
	ix.frozen = true
	return ix
}

func (ix *Index) rlock() {
	if !ix.frozen {
		ix.mu.RLock()
	}
}

func (ix *Index) runlock() {
	if !ix.frozen {
		ix.mu.RUnlock()
	}
}

// Mesh implements View.
func (ix *Index) Mesh() *Mesh {
	ix.rlock()
	defer ix.runlock()
	m := ix.mesh
	return &m
}

// Full implements View.
func (ix *Index) Full() bool { return ix.full }

// Len returns the number of resources in the index.
func (ix *Index) Len() int {
	ix.rlock()
	defer ix.runlock()
	n := len(ix.byKey)
	for _, vs := range ix.variants {
		n += len(vs) - 1
	}
	return n
}

// Add files r in the index, replacing a resource with the same key.
func (ix *Index) Add(r *Resource) {
	ix.mustNotBeFrozen()
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.addLocked(r)
}

func (ix *Index) addLocked(r *Resource) {
	k := r.Key()
	ix.removeLocked(k)
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
			if t.hosts {
				key = HostIndexKey(key)
			}
			ix.entries[t][key] = append(ix.entries[t][key], r)
			fks = append(fks, tableKey{t, key})
			if sfx := ix.suffixes[t].m; sfx != nil {
				for _, s := range hostSuffixKeys(hostOfIndexKey(key)) {
					sfx[s] = append(sfx[s], r)
				}
			}
		}
	}
	if len(fks) > 0 {
		ix.fileKeys[r] = fks
	}
	if r.Kind == KindMeshConfig {
		ix.recomputeMeshLocked()
	}
}

// Remove takes the resource with key k out of the index.
func (ix *Index) Remove(k Key) {
	ix.mustNotBeFrozen()
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.removeLocked(k)
}

func (ix *Index) mustNotBeFrozen() {
	if ix.frozen {
		panic("lint: change to a frozen index")
	}
}

func (ix *Index) removeLocked(k Key) {
	r, ok := ix.byKey[k]
	if !ok {
		return
	}
	delete(ix.byKey, k)
	delete(ix.byKind[k.Kind], k)
	for _, tk := range ix.fileKeys[r] {
		removeFrom(ix.entries[tk.t], tk.key, r)
		if sfx := ix.suffixes[tk.t].m; sfx != nil {
			for _, s := range hostSuffixKeys(hostOfIndexKey(tk.key)) {
				removeFrom(sfx, s, r)
			}
		}
	}
	delete(ix.fileKeys, r)
	if k.Kind == KindMeshConfig {
		ix.recomputeMeshLocked()
	}
}

// removeFrom deletes r from the bucket m[key], dropping empty buckets.
func removeFrom(m map[string][]*Resource, key string, r *Resource) {
	b := m[key]
	for i, x := range b {
		if x == r {
			last := len(b) - 1
			b[i] = b[last]
			b[last] = nil
			b = b[:last]
			break
		}
	}
	if len(b) == 0 {
		delete(m, key)
	} else {
		m[key] = b
	}
}

// hostSuffixKeys returns the "~suffix" keys a record filed under host
// belongs to: one per parent domain ("a.b.c" is under ~b.c and ~c;
// "*.b.c" is under ~b.c and ~c).
func hostSuffixKeys(host string) []string {
	return HostFileKeys(host)[1:]
}

// buildSuffixesLocked files every record of host table t under its parent
// domains, for wildcard queries.
func (ix *Index) buildSuffixesLocked(t *Table) {
	sfx := map[string][]*Resource{}
	for key, rs := range ix.entries[t] {
		for _, s := range hostSuffixKeys(hostOfIndexKey(key)) {
			sfx[s] = append(sfx[s], rs...)
		}
	}
	ix.suffixes[t].m = sfx
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
	ix.rlock()
	defer ix.runlock()
	return ix.byKey[k]
}

// Variants implements View.
func (ix *Index) Variants(k Key) []*Resource {
	ix.rlock()
	defer ix.runlock()
	if vs := ix.variants[k]; vs != nil {
		return slices.Clone(vs)
	}
	if r := ix.byKey[k]; r != nil {
		return []*Resource{r}
	}
	return nil
}

// List implements View: every resource of the kind, every variant of a key
// included.
func (ix *Index) List(kind Kind) []*Resource {
	ix.rlock()
	out := make([]*Resource, 0, len(ix.byKind[kind]))
	for k, r := range ix.byKind[kind] {
		if vs := ix.variants[k]; vs != nil {
			out = append(out, vs...)
			continue
		}
		out = append(out, r)
	}
	ix.runlock()
	SortResources(out)
	return out
}

// Lookup implements View. In a host table, a key "~suffix" returns every
// record under that parent domain.
func (ix *Index) Lookup(t *Table, key string) []*Resource {
	ix.rlock()
	tab, ok := ix.entries[t]
	if !ok {
		ix.runlock()
		panic("lint: lookup in table " + t.Name + " that the index does not maintain")
	}
	if t.hosts && len(key) > 0 && key[0] == '~' {
		if ix.frozen {
			// No writers: build once, on the first wildcard query.
			ix.suffixes[t].once.Do(func() { ix.buildSuffixesLocked(t) })
		} else if ix.suffixes[t].m == nil {
			ix.mu.RUnlock()
			ix.mu.Lock()
			if ix.suffixes[t].m == nil {
				ix.buildSuffixesLocked(t)
			}
			ix.mu.Unlock()
			ix.mu.RLock()
		}
		tab = ix.suffixes[t].m
	}
	bucket := tab[key]
	if len(bucket) == 0 {
		ix.runlock()
		return nil
	}
	out := slices.Clone(bucket)
	ix.runlock()
	SortResources(out)
	// A resource filed twice under one key (two equal hosts) is one result.
	return slices.CompactFunc(out, func(a, b *Resource) bool { return a == b })
}

// Count implements View.
func (ix *Index) Count(t *Table, key string) int {
	ix.rlock()
	defer ix.runlock()
	tab, ok := ix.entries[t]
	if !ok {
		panic("lint: count in table " + t.Name + " that the index does not maintain")
	}
	return len(tab[key])
}

// Overlay returns a view of base in which the resources of top replace
// those with the same key, and the resources keyed by hidden are absent:
// the webhook's view of the cluster with the incoming object (CREATE,
// UPDATE) laid over it, or with the deleted one removed. It is made for a
// few resources on top: their table entries are scanned, not indexed.
func Overlay(base *Index, top []*Resource, hidden ...Key) View {
	o := &overlay{base: base, hide: map[Key]bool{}, top: map[Key]*Resource{}, tables: map[*Table]*overlayFiled{}}
	for _, r := range top {
		o.top[r.Key()] = r
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

// overlay is the view Overlay returns. The few resources laid over the
// index are filed in a table only when a check first looks that table up,
// so a request pays for the tables its checks use.
type overlay struct {
	base *Index
	top  map[Key]*Resource
	hide map[Key]bool
	mesh *Mesh

	mu     sync.Mutex
	tables map[*Table]*overlayFiled
}

// overlayFiled is what an overlay changes in one table: the filings of the
// resources laid on top, and those of the stored resources they hide.
type overlayFiled struct {
	top, hidden []filed
	// hiddenDone is set once hidden is filled: only Count needs it.
	hiddenDone bool
}

// filed is one overlaid resource filed under one key of a table. A request
// overlays one resource, filed under a few dozen keys at most, so a slice
// scanned per lookup is cheaper than a map built per table.
type filed struct {
	key string
	r   *Resource
}

func (o *overlay) Mesh() *Mesh { m := *o.mesh; return &m }

func (o *overlay) Full() bool { return o.base.full }

func (o *overlay) Get(k Key) *Resource {
	if r := o.top[k]; r != nil {
		return r
	}
	if o.hide[k] {
		return nil
	}
	return o.base.Get(k)
}

func (o *overlay) Variants(k Key) []*Resource {
	if r := o.top[k]; r != nil {
		return []*Resource{r}
	}
	if o.hide[k] {
		return nil
	}
	return o.base.Variants(k)
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
	SortResources(out)
	return slices.CompactFunc(out, func(a, b *Resource) bool { return a == b })
}

func (o *overlay) List(kind Kind) []*Resource {
	var top []*Resource
	for _, r := range o.top {
		if r.Kind == kind {
			top = append(top, r)
		}
	}
	return o.merge(o.base.List(kind), top)
}

func (o *overlay) Lookup(t *Table, key string) []*Resource {
	var top []*Resource
	for _, f := range o.filed(t, false).top {
		if f.key == key && !slices.Contains(top, f.r) {
			top = append(top, f.r)
		}
	}
	return o.merge(o.base.Lookup(t, key), top)
}

func (o *overlay) Count(t *Table, key string) int {
	n := o.base.Count(t, key)
	fs := o.filed(t, true)
	for _, f := range fs.hidden {
		if f.key == key {
			n--
		}
	}
	for _, f := range fs.top {
		if f.key == key {
			n++
		}
	}
	return n
}

// filed files the overlaid resources of t's kind in t, once per table,
// and with hidden also the stored resources they hide.
func (o *overlay) filed(t *Table, hidden bool) *overlayFiled {
	o.mu.Lock()
	defer o.mu.Unlock()
	file := func(out []filed, r *Resource) []filed {
		for _, key := range t.Keys(r, &o.base.base) {
			if t.hosts {
				key = HostIndexKey(key)
				for _, s := range hostSuffixKeys(hostOfIndexKey(key)) {
					out = append(out, filed{s, r})
				}
			}
			out = append(out, filed{key, r})
		}
		return out
	}
	fs := o.tables[t]
	if fs == nil {
		fs = &overlayFiled{}
		for _, r := range o.top {
			if r.Kind == t.Kind {
				fs.top = file(fs.top, r)
			}
		}
		o.tables[t] = fs
	}
	if hidden && !fs.hiddenDone {
		for k := range o.hide {
			if k.Kind != t.Kind {
				continue
			}
			if r := o.base.Get(k); r != nil {
				fs.hidden = file(fs.hidden, r)
			}
		}
		fs.hiddenDone = true
	}
	return fs
}
