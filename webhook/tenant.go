package webhook

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilcache "k8s.io/apimachinery/pkg/util/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/meshlint/meshlint/lint"
)

// Tenant isolation: a warning names a resource of another namespace than
// the request's only when the requesting user may get it. Otherwise the
// name becomes "a Gateway in another namespace", so that a tenant learns
// nothing through meshlint (not even with kubectl apply --dry-run=server,
// which stores nothing) about the names in namespaces RBAC hides from it.

// AccessTimeout bounds the access reviews of one request. A review that
// does not answer in time counts as "may not get": the name is hidden,
// the request is never held up or refused because of it.
const AccessTimeout = 500 * time.Millisecond

// An AccessReviewer answers whether user may get the resource ref.
type AccessReviewer func(ctx context.Context, user authenticationv1.UserInfo, ref lint.Key) (bool, error)

// accessTTL is how long an access review's answer is reused: briefly, so
// that a RoleBinding granted or revoked takes effect within seconds.
const accessTTL = 10 * time.Second

// SubjectAccessReviewer asks the API server with a SubjectAccessReview
// (verb get, the resource's group, resource and name) on behalf of the
// review's userInfo, and caches each answer for a few seconds per user
// and resource.
func SubjectAccessReviewer(c client.Client) AccessReviewer {
	answers := utilcache.NewLRUExpireCache(10000)
	return func(ctx context.Context, user authenticationv1.UserInfo, ref lint.Key) (bool, error) {
		info, ok := namedKinds[string(ref.Kind)]
		if !ok {
			return false, fmt.Errorf("no API resource for kind %s", ref.Kind)
		}
		gr := schema.GroupResource{Group: info.Group, Resource: info.Resource}
		key := accessKey(user, gr, ref)
		if v, ok := answers.Get(key); ok {
			return v.(bool), nil
		}
		sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
			User: user.Username, UID: user.UID, Groups: user.Groups, Extra: extra(user.Extra),
			ResourceAttributes: &authorizationv1.ResourceAttributes{
				Verb: "get", Group: gr.Group, Resource: gr.Resource,
				Namespace: ref.Namespace, Name: ref.Name,
			},
		}}
		if err := c.Create(ctx, sar); err != nil {
			return false, fmt.Errorf("subject access review: %w", err)
		}
		answers.Add(key, sar.Status.Allowed, accessTTL)
		return sar.Status.Allowed, nil
	}
}

func extra(in map[string]authenticationv1.ExtraValue) map[string]authorizationv1.ExtraValue {
	if len(in) == 0 {
		return nil
	}
	out := make(map[string]authorizationv1.ExtraValue, len(in))
	for k, v := range in {
		out[k] = authorizationv1.ExtraValue(v)
	}
	return out
}

// accessKey identifies one question: who (name, uid, groups, extra) asks
// to get which object.
func accessKey(user authenticationv1.UserInfo, gr schema.GroupResource, ref lint.Key) string {
	var b strings.Builder
	for _, s := range []string{user.Username, user.UID, strings.Join(user.Groups, ","), gr.String(), ref.Namespace, ref.Name} {
		b.WriteString(s)
		b.WriteByte(0)
	}
	keys := make([]string, 0, len(user.Extra))
	for k := range user.Extra {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(strings.Join(user.Extra[k], ","))
		b.WriteByte(0)
	}
	return b.String()
}

// namedKinds are the kinds whose names messages carry, by Kubernetes kind:
// those the webhook watches, and the mesh ConfigMap. A message names one as
// a check writes it: "gateway shop/public", "PeerAuthentication
// istio-system/default", `gateway "shop/public"`.
var namedKinds = func() map[string]lint.KindInfo {
	m := map[string]lint.KindInfo{}
	for _, k := range lint.KindTable() {
		if k.Webhook || k.Kind == lint.KindMeshConfig && k.Group == "" {
			m[k.Name] = k
		}
	}
	return m
}()

// A nameSpan is where a message names a resource: the kind word, the
// optional quote and the namespace/name, from start to end.
type nameSpan struct {
	start, end int
	key        lint.Key
}

// scanNames finds every place msg names a resource the way every check
// writes one: a kind word (any case), spaces, and namespace/name, quoted or
// not ("gateway shop/public", "PeerAuthentication istio-system/default",
// `gateway "shop/public"`). It is a scan from each '/', not a regular
// expression: it runs on every warning of every review.
func scanNames(msg string) []nameSpan {
	var spans []nameSpan
	for i := 0; i < len(msg); i++ {
		if msg[i] != '/' {
			continue
		}
		nsStart := i
		for nsStart > 0 && isDNSByte(msg[nsStart-1]) {
			nsStart--
		}
		nameEnd := i + 1
		for nameEnd < len(msg) && isDNSByte(msg[nameEnd]) {
			nameEnd++
		}
		// A DNS name ends in a letter or digit: "shop/public." ends a sentence.
		for nameEnd > i+1 && (msg[nameEnd-1] == '.' || msg[nameEnd-1] == '-') {
			nameEnd--
		}
		ns, name := msg[nsStart:i], msg[i+1:nameEnd]
		if !validDNS(ns) || !validDNS(name) {
			continue
		}
		start, end := nsStart, nameEnd
		quoted := start > 0 && msg[start-1] == '"'
		if quoted {
			start--
		}
		sp := start
		for sp > 0 && msg[sp-1] == ' ' {
			sp--
		}
		if sp == start {
			continue
		}
		wordStart := sp
		for wordStart > 0 && isLetter(msg[wordStart-1]) {
			wordStart--
		}
		kind, ok := kindWord(msg[wordStart:sp])
		if !ok && len(spans) > 0 {
			// The next of a list: "gateways a/x, b/y and c/z".
			last := spans[len(spans)-1]
			if sep := msg[last.end:start]; sep == ", " || sep == " and " || sep == ", and " {
				kind, ok, wordStart = last.key.Kind, true, start
			}
		}
		if !ok {
			continue
		}
		if quoted && end < len(msg) && msg[end] == '"' {
			end++
		}
		spans = append(spans, nameSpan{start: wordStart, end: end, key: lint.Key{Kind: kind, Namespace: ns, Name: name}})
		i = end - 1
	}
	return spans
}

func isDNSByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.'
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// validDNS reports whether s is a DNS label or subdomain as Kubernetes
// names are: it starts and ends with a letter or digit.
func validDNS(s string) bool {
	if s == "" {
		return false
	}
	first, last := s[0], s[len(s)-1]
	return first != '-' && first != '.' && last != '-' && last != '.'
}

// kindWord returns the kind a word of a message stands for, in any case,
// singular or plural (gateways, serviceentries).
func kindWord(word string) (lint.Kind, bool) {
	for name := range namedKinds {
		if strings.EqualFold(name, word) || strings.EqualFold(name+"s", word) ||
			strings.HasSuffix(name, "y") && strings.EqualFold(name[:len(name)-1]+"ies", word) {
			return lint.Kind(name), true
		}
	}
	return "", false
}

// namesIn returns the resources a message names, in order of appearance.
func namesIn(msg string) []lint.Key {
	var keys []lint.Key
	for _, sp := range scanNames(msg) {
		keys = append(keys, sp.key)
	}
	return keys
}

// hiddenName is what a message says instead of a name the requester may
// not read.
func hiddenName(k lint.Kind) string {
	return "a " + string(k) + " in another namespace"
}

// redact replaces, in msg, every name of a resource in hidden.
func redact(msg string, hidden map[lint.Key]bool) string {
	if len(hidden) == 0 {
		return msg
	}
	var b strings.Builder
	last := 0
	for _, sp := range scanNames(msg) {
		if !hidden[sp.key] {
			continue
		}
		b.WriteString(msg[last:sp.start])
		b.WriteString(hiddenName(sp.key.Kind))
		last = sp.end
	}
	if last == 0 {
		return msg
	}
	b.WriteString(msg[last:])
	return b.String()
}

// subjectKey is the name a warning on another resource starts with.
func subjectKey(f lint.Finding) lint.Key {
	return lint.Key{Kind: lint.Kind(f.Resource.SourceKind()), Namespace: f.Resource.Namespace(), Name: f.Resource.Name()}
}

// hiddenNames returns the resources named by the findings (as subject of
// a warning on another resource, or in a message) that sit in another
// namespace than ns and that user may not get. The questions go out
// concurrently, bounded by ctx; an unanswered one hides.
func hiddenNames(ctx context.Context, review AccessReviewer, user authenticationv1.UserInfo, ns string, own, caused []lint.Finding) map[lint.Key]bool {
	if review == nil {
		return nil
	}
	asked := map[lint.Key]bool{}
	var refs []lint.Key
	add := func(k lint.Key) {
		if k.Namespace == "" || k.Namespace == ns || asked[k] {
			return
		}
		asked[k] = true
		refs = append(refs, k)
	}
	for _, f := range own {
		for _, k := range namesIn(f.Message) {
			add(k)
		}
	}
	for _, f := range caused {
		add(subjectKey(f))
		for _, k := range namesIn(f.Message) {
			add(k)
		}
	}
	if len(refs) == 0 {
		return nil
	}
	if len(refs) == 1 {
		// The common case: one name, asked without a goroutine.
		if ok, err := review(ctx, user, refs[0]); err != nil || !ok {
			return map[lint.Key]bool{refs[0]: true}
		}
		return nil
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	hidden := map[lint.Key]bool{}
	sem := make(chan struct{}, 8)
	for _, k := range refs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			ok, err := review(ctx, user, k)
			if err != nil || !ok {
				mu.Lock()
				hidden[k] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return hidden
}
