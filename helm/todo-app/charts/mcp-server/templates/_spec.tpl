{{/* What makes the MCP server different from the other services (see common/_workload.tpl). */}}
{{- define "mcp-server.spec" -}}
service: mcp
component: mcp
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
  {{- include "common.pythonConfig" (dict "ctx" . "service" "mcp") | nindent 2 }}
  MCP_ALLOWED_HOSTS: {{ include "mcp-server.allowedHosts" . | quote }}
{{- end -}}

{{/*
Host headers the MCP SDK's DNS-rebinding protection accepts: the Service name with its port,
the namespace-qualified names up to the FQDN, plus config.extraAllowedHosts (localhost for
port-forwarding by default).
*/}}
{{- define "mcp-server.allowedHosts" -}}
{{- $ref := .Values.global.services.mcp -}}
{{- $ns := .Release.Namespace -}}
{{- $hosts := list
  (printf "%s:%d" $ref.name (int $ref.port))
  (printf "%s.%s:%d" $ref.name $ns (int $ref.port))
  (printf "%s.%s.svc:%d" $ref.name $ns (int $ref.port))
  (printf "%s.%s.svc.%s:%d" $ref.name $ns .Values.global.clusterDomain (int $ref.port)) -}}
{{- concat $hosts .Values.config.extraAllowedHosts | uniq | join "," -}}
{{- end -}}
