{{/*
Names and labels. Every template in the library takes either the chart context (.) or a
dict with "ctx" (the chart context) plus named arguments, so the umbrella chart can name
its own components (postgresql, migrate, smoke-test) with the same helpers.
*/}}

{{/* Component name: nameOverride or the chart name. Arg: chart context. */}}
{{- define "common.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Object name: fullnameOverride, else "<release>-<name>" (63-char truncation; the release name
alone when it already contains the name). Arg: chart context.
*/}}
{{- define "common.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- include "common.releaseScopedName" (dict "ctx" . "name" (include "common.name" .)) -}}
{{- end -}}
{{- end -}}

{{/* "<release>-<name>" truncated to 63 characters. Args: ctx, name. */}}
{{- define "common.releaseScopedName" -}}
{{- if contains .name .ctx.Release.Name -}}
{{- .ctx.Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .ctx.Release.Name .name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Selector labels (name + instance only; never change them on upgrade). Args: ctx, name (optional). */}}
{{- define "common.selectorLabels" -}}
app.kubernetes.io/name: {{ .name | default (include "common.name" .ctx) }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
{{- end -}}

{{/* Standard labels. Args: ctx, component, name (optional). */}}
{{- define "common.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .ctx.Chart.Name .ctx.Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "common.selectorLabels" . }}
app.kubernetes.io/component: {{ required "common.labels needs a component" .component }}
app.kubernetes.io/part-of: todo-app
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
{{- end -}}

{{/*
Name of the Secret holding AUTH_SECRET, DATABASE_URL, OPENAI_API_KEY (optional) and
POSTGRES_PASSWORD (in-chart database): global.existingSecret, else "<release>-secrets".
Arg: chart context (umbrella or service chart).
*/}}
{{- define "common.secretName" -}}
{{- .Values.global.existingSecret | default (printf "%s-secrets" .Release.Name | trunc 63 | trimSuffix "-") -}}
{{- end -}}

{{/*
Service addresses, built from global.services so the Service objects and every URL in a
ConfigMap come from the same values. Args: ctx, service (frontend|backend|mcp|agent).
*/}}
{{- define "common.serviceRef" -}}
{{- $ref := index .ctx.Values.global.services .service -}}
{{- if not $ref -}}
{{- fail (printf "global.services.%s is not defined" .service) -}}
{{- end -}}
{{- toYaml $ref -}}
{{- end -}}

{{/* http://<service name>:<port> (same namespace). Args: ctx, service. */}}
{{- define "common.serviceUrl" -}}
{{- $ref := index .ctx.Values.global.services .service -}}
{{- printf "http://%s:%d" $ref.name (int $ref.port) -}}
{{- end -}}
