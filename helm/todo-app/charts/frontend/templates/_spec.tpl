{{/* What makes the frontend different from the other services (see common/_workload.tpl). */}}
{{- define "frontend.spec" -}}
service: frontend
component: frontend
healthPaths:
  startup: /api/health
  liveness: /api/health
  readiness: /api/health
secretEnv: []
migrate: false
writableDirs:
  {{- if .Values.global.readOnlyRootFilesystem }}
  # Next.js writes its cache here. (Not in dev: `next dev` owns the whole writable /app/.next.)
  - name: next-cache
    path: /app/.next/cache
  {{- end }}
config:
  BACKEND_URL: {{ include "common.serviceUrl" (dict "ctx" . "service" "backend") | quote }}
  PORT: {{ .Values.global.services.frontend.port | toString | quote }}
  HOSTNAME: "0.0.0.0"
  NODE_ENV: {{ .Values.global.environment | quote }}
  NEXT_TELEMETRY_DISABLED: "1"
  {{- include "common.metricsConfig" (dict "ctx" . "service" "frontend") | nindent 2 }}
{{- end -}}
