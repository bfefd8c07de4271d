{{/* What makes the AI agent different from the other services (see common/_workload.tpl). */}}
{{- define "ai-agent.spec" -}}
service: agent
component: agent
healthPaths:
  startup: /health
  liveness: /health
  readiness: /health/ready
secretEnv:
  - name: AUTH_SECRET
  # Without a key the agent uses its built-in deterministic "local" model.
  - name: OPENAI_API_KEY
    optional: true
migrate: false
writableDirs: []
config:
  {{- include "common.pythonConfig" (dict "ctx" . "service" "agent") | nindent 2 }}
  # Exact URL: /mcp/ would answer with a redirect the MCP client does not follow.
  MCP_SERVER_URL: {{ printf "%s/mcp" (include "common.serviceUrl" (dict "ctx" . "service" "mcp")) | quote }}
  {{- with .Values.config.model }}
  AGENT_MODEL: {{ . | quote }}
  {{- end }}
  {{- with .Values.config.openaiBaseUrl }}
  OPENAI_BASE_URL: {{ . | quote }}
  {{- end }}
{{- end -}}
