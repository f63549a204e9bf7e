{{/*
Named templates shared by every manifest of this chart. Templates that describe one
service take a context built with: dict "root" $ "name" $name "svc" $svc
*/}}

{{/* Chart name, overridable with nameOverride. */}}
{{- define "chart.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Release-qualified name; the release name alone when it already contains the chart name. */}}
{{- define "chart.fullname" -}}
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

{{/* Value of the helm.sh/chart label. */}}
{{- define "chart.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Name of one service's resources: the fullname, suffixed with the service name unless
the service is named after the chart. */}}
{{- define "chart.serviceFullname" -}}
{{- $full := include "chart.fullname" .root }}
{{- if eq .name .root.Chart.Name }}
{{- $full }}
{{- else }}
{{- printf "%s-%s" $full .name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{/* Standard labels of one service's resources. */}}
{{- define "chart.labels" -}}
helm.sh/chart: {{ include "chart.chart" .root }}
{{ include "chart.selectorLabels" . }}
app.kubernetes.io/version: {{ .svc.image.tag | default .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: {{ include "chart.name" .root }}
{{- end }}

{{/* Selector labels of one service (immutable once installed). */}}
{{- define "chart.selectorLabels" -}}
app.kubernetes.io/name: {{ include "chart.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .name }}
{{- end }}

{{/* Labels of chart-wide resources (service account). */}}
{{- define "chart.commonLabels" -}}
helm.sh/chart: {{ include "chart.chart" . }}
app.kubernetes.io/name: {{ include "chart.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* Service account the pods run as. */}}
{{- define "chart.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "chart.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}
