// Code generated from ../shared/tools/gen_mesh.py templates; DO NOT EDIT by hand.

package meshgen

const serviceTpl = `apiVersion: v1
kind: Service
metadata:
  name: {svc}
  namespace: {ns}
spec:
  selector:
    app: {svc}
  ports:
  - name: http-web
    port: 8080
    targetPort: 8080`

const destinationRuleTpl = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: {svc}
  namespace: {ns}
spec:
  host: {svc}.{ns}.svc.cluster.local
  trafficPolicy:
    tls:
      mode: {tls}
    connectionPool:
      tcp:
        maxConnections: 100
        connectTimeout: 5s
      http:
        http1MaxPendingRequests: 1000
    outlierDetection:
      consecutive5xxErrors: 5
      interval: 10s
  subsets:
  - name: v1
    labels:
      version: v1
  - name: v2
    labels:
      version: v2`

const virtualServiceTpl = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: {svc}
  namespace: {ns}
spec:
  hosts:
  - {svc}.{ns}.svc.cluster.local
  http:
  - name: canary
    match:
    - headers:
        x-canary:
          exact: "true"
    route:
    - destination:
        host: {svc}.{ns}.svc.cluster.local
        subset: v2
  - name: default
    route:
    - destination:
        host: {svc}.{ns}.svc.cluster.local
        subset: v1
      weight: 90
    - destination:
        host: {svc}.{ns}.svc.cluster.local
        subset: v2
      weight: 10
    timeout: 10s
    retries:
      attempts: 3
      perTryTimeout: 2s
      retryOn: {retry}`

const gatewayTpl = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: {svc}-gw
  namespace: {ns}
spec:
  selector:
    istio: ingressgateway
  servers:
  - port:
      number: 443
      name: https
      protocol: HTTPS
    hosts:
    - {svc}.example.com
    tls:
      mode: SIMPLE
      credentialName: {svc}-cert`

const ingressTpl = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: {svc}-ingress
  namespace: {ns}
spec:
  hosts:
  - {svc}.example.com
  gateways:
  - {svc}-gw
  http:
  - route:
    - destination:
        host: {svc}.{ns}.svc.cluster.local
        subset: v1`

const serviceEntryTpl = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: ext-{i}
  namespace: {ns}
spec:
  hosts:
  - api{i}.partner.example
  location: MESH_EXTERNAL
  ports:
  - number: 443
    name: https
    protocol: HTTPS
  resolution: DNS`

const envoyFilterTpl = `apiVersion: networking.istio.io/v1alpha3
kind: EnvoyFilter
metadata:
  name: lua-{i}
  namespace: {ns}
spec:
  workloadSelector:
    labels:
      app: {svc}
  configPatches:
  - applyTo: HTTP_FILTER
    match:
      context: SIDECAR_INBOUND
      listener:
        filterChain:
          filter:
            name: envoy.filters.network.http_connection_manager
            subFilter:
              name: envoy.filters.http.router
    patch:
      operation: INSERT_BEFORE
      value:
        name: envoy.lua`
