{{/* Umbrella-only helpers; shared names, labels and pod settings come from the common library. */}}

{{/* "<release>-<suffix>" for objects the umbrella owns. Args: ctx, name. */}}
{{- define "todo-app.name" -}}
{{- include "common.releaseScopedName" . -}}
{{- end -}}

{{/* Host the in-chart PostgreSQL is reached at. */}}
{{- define "todo-app.postgresHost" -}}
{{- .Values.postgresql.service.name -}}
{{- end -}}
