package webhook

import (
	"context"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/meshlint/meshlint/cluster"
	"github.com/meshlint/meshlint/lint"
)

// LiveTimeout bounds the live reads of one request.
const LiveTimeout = 500 * time.Millisecond

// A LiveGetter reads one object from the API server, past the informer
// cache: found is false when the API server says it does not exist, and
// err is set when it could not say.
type LiveGetter func(ctx context.Context, k lint.Key) (r *lint.Resource, found bool, err error)

// APIReaderGetter reads through a client that bypasses the cache (the
// manager's APIReader), for the kinds the webhook watches.
func APIReaderGetter(reader client.Reader) LiveGetter {
	types := map[lint.Kind]cluster.Type{}
	for _, t := range watchedTypes {
		types[t.Kind] = t
	}
	return func(ctx context.Context, k lint.Key) (*lint.Resource, bool, error) {
		t, ok := types[k.Kind]
		if !ok {
			return nil, false, nil
		}
		obj := t.New()
		switch err := reader.Get(ctx, client.ObjectKey{Namespace: k.Namespace, Name: k.Name}, obj); {
		case apierrors.IsNotFound(err):
			return nil, false, nil
		case err != nil:
			return nil, false, err
		}
		return cluster.Resource(t, obj), true, nil
	}
}

// liveView confirms absence with the API server: a Get or Variants that the
// cached index answers with nothing asks the API server once per key and
// request, within the request's live-read budget, so that an object
// created a moment ago (kubectl apply -f dir/ creating a Gateway, then its
// VirtualService) is never called missing because the informer has not
// seen it yet. When the API server cannot answer in time, the cache's
// answer stands.
type liveView struct {
	lint.View
	ctx  context.Context
	get  LiveGetter
	mu   sync.Mutex
	seen map[lint.Key]*lint.Resource
}

func newLiveView(ctx context.Context, v lint.View, get LiveGetter) lint.View {
	if get == nil {
		return v
	}
	return &liveView{View: v, ctx: ctx, get: get, seen: map[lint.Key]*lint.Resource{}}
}

func (v *liveView) Get(k lint.Key) *lint.Resource {
	if r := v.View.Get(k); r != nil {
		return r
	}
	return v.live(k)
}

func (v *liveView) Variants(k lint.Key) []*lint.Resource {
	if rs := v.View.Variants(k); len(rs) > 0 {
		return rs
	}
	if r := v.live(k); r != nil {
		return []*lint.Resource{r}
	}
	return nil
}

func (v *liveView) live(k lint.Key) *lint.Resource {
	v.mu.Lock()
	defer v.mu.Unlock()
	if r, ok := v.seen[k]; ok {
		return r
	}
	var found *lint.Resource
	if v.ctx.Err() == nil {
		if r, ok, err := v.get(v.ctx, k); err == nil && ok {
			found = r
		}
	}
	v.seen[k] = found
	return found
}
