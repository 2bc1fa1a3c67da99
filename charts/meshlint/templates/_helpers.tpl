{{/* Chart name, truncated to the 63 characters of a DNS label. */}}
{{- define "meshlint.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Fully qualified name: the release name, prefixed to the chart name unless it contains it. */}}
{{- define "meshlint.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "meshlint.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "meshlint.labels" -}}
helm.sh/chart: {{ include "meshlint.chart" . }}
{{ include "meshlint.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: meshlint
{{- end }}

{{- define "meshlint.selectorLabels" -}}
app.kubernetes.io/name: {{ include "meshlint.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: webhook
{{- end }}

{{/* The Service, the ServiceAccount and the Deployment share the full name. */}}
{{- define "meshlint.serviceName" -}}
{{- include "meshlint.fullname" . }}
{{- end }}

{{/* Cluster-scoped objects share the full name too; a second release of the same name elsewhere
fails to install rather than taking over the first one's webhook. */}}
{{- define "meshlint.webhookConfigName" -}}
{{- include "meshlint.fullname" . }}
{{- end }}

{{- define "meshlint.clusterRoleName" -}}
{{- include "meshlint.webhookConfigName" . }}
{{- end }}

{{/* Which certificate source is in use: existing, certManager or selfManaged. */}}
{{- define "meshlint.certSource" -}}
{{- if .Values.certs.existingSecret -}}
existing
{{- else if .Values.certManager.enabled -}}
certManager
{{- else -}}
selfManaged
{{- end }}
{{- end }}

{{/* The Secret holding tls.crt and tls.key. */}}
{{- define "meshlint.certSecretName" -}}
{{- if .Values.certs.existingSecret }}
{{- .Values.certs.existingSecret }}
{{- else }}
{{- printf "%s-cert" (include "meshlint.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "meshlint.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* The meshlint config: the config value, with mesh.rootNamespace and mesh.configMap defaulting to meshConfig.namespace and meshConfig.configMap. */}}
{{- define "meshlint.config" -}}
{{- $config := deepCopy (default (dict) .Values.config) }}
{{- $mesh := deepCopy (default (dict) (get $config "mesh")) }}
{{- if not (hasKey $mesh "rootNamespace") }}
{{- $_ := set $mesh "rootNamespace" .Values.meshConfig.namespace }}
{{- end }}
{{- if not (hasKey $mesh "configMap") }}
{{- $_ := set $mesh "configMap" (default "istio" .Values.meshConfig.configMap) }}
{{- end }}
{{- $_ := set $config "mesh" $mesh }}
{{- toYaml $config }}
{{- end }}

{{/* The mesh ConfigMap the webhook actually reads: the config's, when it names one. */}}
{{- define "meshlint.meshConfigMap" -}}
{{- $mesh := default (dict) (get (default (dict) .Values.config) "mesh") }}
{{- default (default "istio" .Values.meshConfig.configMap) (get $mesh "configMap") }}
{{- end }}

{{/* The Istio root namespace the webhook actually reads: the config's, when it sets one. */}}
{{- define "meshlint.rootNamespace" -}}
{{- $mesh := default (dict) (get (default (dict) .Values.config) "mesh") }}
{{- default .Values.meshConfig.namespace (get $mesh "rootNamespace") }}
{{- end }}

{{/* The namespaces never validated, as a JSON array: webhook.excludeNamespaces and the release
namespace, so that a broken webhook never stands in the way of its own repair. */}}
{{- define "meshlint.excludedNamespaces" -}}
{{- concat .Values.webhook.excludeNamespaces (list .Release.Namespace) | uniq | toJson }}
{{- end }}

{{/* The ServiceAccount the pods run as: serviceAccount.name, or the full name. */}}
{{- define "meshlint.serviceAccountName" -}}
{{- default (include "meshlint.fullname" .) .Values.serviceAccount.name }}
{{- end }}

{{/* The ValidatingAdmissionPolicy (and binding) that limits the webhook to caBundle updates. */}}
{{- define "meshlint.caBundlePolicyName" -}}
{{- printf "%s-cabundle-only" (include "meshlint.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The CA Certificate (and its Secret and Issuer) of cert-manager mode without an issuerRef. */}}
{{- define "meshlint.caName" -}}
{{- printf "%s-ca" (include "meshlint.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The Certificate whose ca.crt cert-manager's CA injector puts into caBundle: the chart's CA,
or with certManager.issuerRef the serving certificate (whose ca.crt is that issuer's CA). */}}
{{- define "meshlint.caInjectFrom" -}}
{{- if .Values.certManager.issuerRef }}
{{- printf "%s/%s" .Release.Namespace (include "meshlint.fullname" .) }}
{{- else }}
{{- printf "%s/%s" .Release.Namespace (include "meshlint.caName" .) }}
{{- end }}
{{- end }}

{{/* The ClusterRole that may GET /metrics with metrics.secure. */}}
{{- define "meshlint.metricsReaderName" -}}
{{- printf "%s-metrics-reader" (include "meshlint.clusterRoleName" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The Service port of /metrics: https-metrics with metrics.secure, so that Istio and
meshlint's own ML003 read the protocol right. */}}
{{- define "meshlint.metricsPortName" -}}
{{- if .Values.metrics.secure }}https-metrics{{ else }}http-metrics{{ end }}
{{- end }}
