{{/* What makes the backend different from the other services (see common/_workload.tpl). */}}
{{- define "backend.spec" -}}
service: backend
component: api
healthPaths:
  startup: /health
  liveness: /health
  readiness: /health/ready
secretEnv:
  - name: DATABASE_URL
  - name: AUTH_SECRET
migrate: true
writableDirs: []
config:
  {{- include "common.pythonConfig" (dict "ctx" . "service" "backend") | nindent 2 }}
  AGENT_URL: {{ include "common.serviceUrl" (dict "ctx" . "service" "agent") | quote }}
  FORWARDED_ALLOW_IPS: {{ .Values.config.forwardedAllowIps | quote }}
{{- end -}}
