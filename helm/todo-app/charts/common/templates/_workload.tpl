{{/*
The workload templates every service chart renders: Deployment, Service, ConfigMap, HPA and
PDB. A service chart supplies only what differs, by defining the named template
"<chart name>.spec" that returns YAML with:

  service:       key in global.services (frontend|backend|mcp|agent): Service name and port
  component:     app.kubernetes.io/component label
  healthPaths:   {startup, liveness, readiness} HTTP paths the server really serves
  secretEnv:     [{name, optional}] keys of the release Secret passed as env vars
  migrate:       true to run the migration as an initContainer before the server starts
  writableDirs:  [{name, path}] extra emptyDir mounts (the root filesystem is read-only;
                 /tmp is always writable)
  config:        the ConfigMap data (env var name -> value)

and templates/{deployment,service,configmap,hpa,pdb}.yaml that include the matching
"common.*" template with the chart context.
*/}}

{{/* The service chart's spec as a dict. Arg: chart context. */}}
{{- define "common.spec" -}}
{{- $spec := include (printf "%s.spec" .Chart.Name) . | fromYaml -}}
{{- if hasKey $spec "Error" -}}
{{- fail (printf "%s.spec is not valid YAML: %s" .Chart.Name $spec.Error) -}}
{{- end -}}
{{- toYaml $spec -}}
{{- end -}}

{{/* ConfigMap data shared by the Python services (todo_core.settings.CommonSettings). Args: ctx, service. */}}
{{- define "common.pythonConfig" -}}
{{- $g := .ctx.Values.global -}}
ENVIRONMENT: {{ $g.environment | quote }}
LOG_LEVEL: {{ $g.logLevel | quote }}
PORT: {{ (index $g.services .service).port | toString | quote }}
RELOAD: {{ $g.reload | toString | quote }}
{{ include "common.metricsConfig" . }}
{{- end -}}

{{/* METRICS_ENABLED and METRICS_PORT, the same names for every service. Args: ctx, service. */}}
{{- define "common.metricsConfig" -}}
METRICS_ENABLED: {{ .ctx.Values.global.metrics.enabled | toString | quote }}
METRICS_PORT: {{ (index .ctx.Values.global.services .service).metricsPort | toString | quote }}
{{- end -}}

{{/* Pod annotations that tell an annotation-driven Prometheus where to scrape. Arg: chart context. */}}
{{- define "common.scrapeAnnotations" -}}
{{- $spec := include "common.spec" . | fromYaml -}}
{{- if .Values.global.metrics.enabled -}}
prometheus.io/scrape: "true"
prometheus.io/port: {{ (index .Values.global.services $spec.service).metricsPort | toString | quote }}
prometheus.io/path: /metrics
{{- end -}}
{{- end -}}

{{- define "common.configmap" -}}
{{- $spec := include "common.spec" . | fromYaml -}}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "common.fullname" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "common.labels" (dict "ctx" . "component" $spec.component) | nindent 4 }}
data:
  {{- range $key, $value := $spec.config }}
  {{ $key }}: {{ $value | toString | quote }}
  {{- end }}
{{- end -}}

{{- define "common.service" -}}
{{- $spec := include "common.spec" . | fromYaml -}}
{{- $ref := index .Values.global.services $spec.service -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ $ref.name }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "common.labels" (dict "ctx" . "component" $spec.component) | nindent 4 }}
spec:
  type: ClusterIP
  selector:
    {{- include "common.selectorLabels" (dict "ctx" .) | nindent 4 }}
  ports:
    - name: http
      port: {{ $ref.port }}
      targetPort: http
      protocol: TCP
    {{- if .Values.global.metrics.enabled }}
    # Prometheus metrics: scraped in-cluster only (the Ingress routes the frontend's http port alone).
    - name: metrics
      port: {{ $ref.metricsPort }}
      targetPort: metrics
      protocol: TCP
    {{- end }}
{{- end -}}

{{- define "common.probe" -}}
httpGet:
  path: {{ .path }}
  port: http
{{ toYaml .timing }}
{{- end -}}

{{- define "common.deployment" -}}
{{- $spec := include "common.spec" . | fromYaml -}}
{{- $ref := index .Values.global.services $spec.service -}}
{{- $image := dict "ctx" . "image" .Values.image -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "common.fullname" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "common.labels" (dict "ctx" . "component" $spec.component) | nindent 4 }}
spec:
  {{- if not .Values.autoscaling.enabled }}
  replicas: {{ .Values.replicaCount }}
  {{- end }}
  revisionHistoryLimit: 5
  strategy:
    type: RollingUpdate
    rollingUpdate:
      # Bring a new pod up (and through its migration initContainer) before an old one goes.
      maxSurge: 1
      maxUnavailable: 0
  selector:
    matchLabels:
      {{- include "common.selectorLabels" (dict "ctx" .) | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "common.labels" (dict "ctx" . "component" $spec.component) | nindent 8 }}
        {{- with .Values.podLabels }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      annotations:
        # Rolls the pods when the ConfigMap changes, and those that read the Secret when what it
        # is made from changes.
        checksum/config: {{ include "common.configmap" . | sha256sum }}
        {{- if or $spec.secretEnv $spec.migrate }}
        checksum/secret: {{ include "common.secretChecksum" . }}
        {{- end }}
        {{- with include "common.scrapeAnnotations" . }}
        {{- . | nindent 8 }}
        {{- end }}
        {{- with .Values.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      automountServiceAccountToken: false
      # No *_SERVICE_HOST/_PORT variables: services are found by DNS, and settings classes
      # see only the variables the chart sets.
      enableServiceLinks: false
      terminationGracePeriodSeconds: {{ .Values.terminationGracePeriodSeconds }}
      securityContext:
        {{- include "common.podSecurityContext" . | nindent 8 }}
      {{- with .Values.global.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- if $spec.migrate }}
      initContainers:
        {{- include "common.migrationContainer" (dict "ctx" . "image" .Values.image "resources" .Values.resources) | nindent 8 }}
      {{- end }}
      containers:
        - name: {{ .Chart.Name }}
          image: {{ include "common.image" $image }}
          imagePullPolicy: {{ include "common.imagePullPolicy" $image }}
          ports:
            - name: http
              containerPort: {{ $ref.port }}
              protocol: TCP
            {{- if .Values.global.metrics.enabled }}
            - name: metrics
              containerPort: {{ $ref.metricsPort }}
              protocol: TCP
            {{- end }}
          envFrom:
            - configMapRef:
                name: {{ include "common.fullname" . }}
          {{- with $spec.secretEnv }}
          env:
            {{- range . }}
            {{- include "common.secretEnv" (dict "ctx" $ "name" .name "optional" .optional) | nindent 12 }}
            {{- end }}
          {{- end }}
          startupProbe:
            {{- include "common.probe" (dict "path" $spec.healthPaths.startup "timing" .Values.probes.startup) | nindent 12 }}
          livenessProbe:
            {{- include "common.probe" (dict "path" $spec.healthPaths.liveness "timing" .Values.probes.liveness) | nindent 12 }}
          readinessProbe:
            {{- include "common.probe" (dict "path" $spec.healthPaths.readiness "timing" .Values.probes.readiness) | nindent 12 }}
          lifecycle:
            # Keep serving while endpoints and load balancers drop this pod, then SIGTERM;
            # the server drains for up to 20 s within terminationGracePeriodSeconds (30 s).
            preStop:
              {{- include "common.preStopSleep" (dict "ctx" . "seconds" .Values.preStopSleepSeconds) | nindent 14 }}
          resources:
            {{- toYaml .Values.resources | nindent 12 }}
          securityContext:
            {{- include "common.containerSecurityContext" . | nindent 12 }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
            {{- range $spec.writableDirs }}
            - name: {{ .name }}
              mountPath: {{ .path }}
            {{- end }}
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: {{ .Values.tmpSizeLimit }}
        {{- range $spec.writableDirs }}
        - name: {{ .name }}
          emptyDir:
            sizeLimit: {{ $.Values.tmpSizeLimit }}
        {{- end }}
      {{- with .Values.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.topologySpreadConstraints }}
      topologySpreadConstraints:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end -}}

{{- define "common.hpa" -}}
{{- if .Values.autoscaling.enabled }}
{{- $spec := include "common.spec" . | fromYaml -}}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "common.fullname" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "common.labels" (dict "ctx" . "component" $spec.component) | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "common.fullname" . }}
  minReplicas: {{ .Values.autoscaling.minReplicas }}
  maxReplicas: {{ .Values.autoscaling.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ .Values.autoscaling.targetCPUUtilizationPercentage }}
{{- end }}
{{- end -}}

{{- define "common.pdb" -}}
{{- if .Values.podDisruptionBudget.enabled }}
{{- $spec := include "common.spec" . | fromYaml -}}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "common.fullname" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "common.labels" (dict "ctx" . "component" $spec.component) | nindent 4 }}
spec:
  maxUnavailable: {{ .Values.podDisruptionBudget.maxUnavailable }}
  selector:
    matchLabels:
      {{- include "common.selectorLabels" (dict "ctx" .) | nindent 6 }}
{{- end }}
{{- end -}}
