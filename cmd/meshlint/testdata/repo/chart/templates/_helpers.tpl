{{- define "shop.ns" -}}{{ .Release.Namespace }}{{- end -}}
