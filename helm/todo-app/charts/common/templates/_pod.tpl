{{/*
Pod-level building blocks: image reference, restricted security contexts, the migration
container. The images run as the numeric UID/GID global.runAsUser (10001, baked into every
image, see docs/architecture.md).
*/}}

{{/*
Image reference "<registry>/<repository>:<tag>[@<digest>]". The tag defaults to
global.image.tag, then the chart's appVersion; "latest" is refused. image.digest
(sha256:...) pins the exact image pushed to a registry. Args: ctx, image (repository, tag, digest).
*/}}
{{- define "common.image" -}}
{{- $global := .ctx.Values.global.image -}}
{{- $tag := .image.tag | default $global.tag | default .ctx.Chart.AppVersion | toString -}}
{{- if or (eq $tag "latest") (eq $tag "") -}}
{{- fail (printf "image %q: set a fixed tag (image.tag, global.image.tag or the chart appVersion), not %q" .image.repository $tag) -}}
{{- end -}}
{{- $registry := $global.registry | default "" | trimSuffix "/" -}}
{{- $reference := printf "%s:%s" .image.repository $tag -}}
{{- if $registry -}}
{{- $reference = printf "%s/%s" $registry $reference -}}
{{- end -}}
{{- if .image.digest -}}
{{- $reference = printf "%s@%s" $reference .image.digest -}}
{{- end -}}
{{- $reference -}}
{{- end -}}

{{/* imagePullPolicy: image.pullPolicy, else global.image.pullPolicy. Args: ctx, image. */}}
{{- define "common.imagePullPolicy" -}}
{{- .image.pullPolicy | default .ctx.Values.global.image.pullPolicy -}}
{{- end -}}

{{/* Restricted pod securityContext, merged with .Values.podSecurityContext. Arg: chart context. */}}
{{- define "common.podSecurityContext" -}}
{{- $uid := int .Values.global.runAsUser -}}
{{- $defaults := dict "runAsNonRoot" true "runAsUser" $uid "runAsGroup" $uid "fsGroup" $uid "seccompProfile" (dict "type" "RuntimeDefault") -}}
{{- toYaml (mustMergeOverwrite $defaults (.Values.podSecurityContext | default dict)) -}}
{{- end -}}

{{/*
Restricted container securityContext (Pod Security Standard "restricted"), merged with
.Values.securityContext. readOnlyRootFilesystem follows global.readOnlyRootFilesystem
(false only in dev values, so Tilt can sync files into the app directory). Arg: chart context.
*/}}
{{- define "common.containerSecurityContext" -}}
{{- $uid := int .Values.global.runAsUser -}}
{{- $defaults := dict "allowPrivilegeEscalation" false "privileged" false "readOnlyRootFilesystem" .Values.global.readOnlyRootFilesystem "runAsNonRoot" true "runAsUser" $uid "runAsGroup" $uid "capabilities" (dict "drop" (list "ALL")) "seccompProfile" (dict "type" "RuntimeDefault") -}}
{{- toYaml (mustMergeOverwrite $defaults (.Values.securityContext | default dict)) -}}
{{- end -}}

{{/* Env var read from the release Secret. Args: ctx, name, optional (bool). */}}
{{- define "common.secretEnv" -}}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ include "common.secretName" .ctx }}
      key: {{ .name }}
      {{- if .optional }}
      optional: true
      {{- end }}
{{- end -}}

{{/*
The migration container, used as an initContainer of the backend and the MCP server and as
the container of the migration Job: `python -m todo_core.migrate` waits for the database,
takes a PostgreSQL advisory lock and upgrades to head, so concurrent or repeated runs are
safe and a no-op once the schema is current. Args: ctx, image (dict), resources.
*/}}
{{- define "common.migrationContainer" -}}
- name: migrate
  image: {{ include "common.image" (dict "ctx" .ctx "image" .image) }}
  imagePullPolicy: {{ include "common.imagePullPolicy" (dict "ctx" .ctx "image" .image) }}
  command: ["python", "-m", "todo_core.migrate"]
  env:
    {{- include "common.secretEnv" (dict "ctx" .ctx "name" "DATABASE_URL") | nindent 4 }}
  resources:
    {{- toYaml .resources | nindent 4 }}
  securityContext:
    {{- include "common.containerSecurityContext" .ctx | nindent 4 }}
  volumeMounts:
    - name: tmp
      mountPath: /tmp
{{- end -}}

{{/*
Kubernetes version the manifests are for: global.kubeVersion, else what Helm reports (the
cluster's on install/upgrade, a recent default for `helm template`). Arg: chart context.
*/}}
{{- define "common.kubeVersion" -}}
{{- .Values.global.kubeVersion | default .Capabilities.KubeVersion.Version -}}
{{- end -}}

{{/*
A preStop handler that waits: the sleep action where the API has it (on by default from 1.30),
else an exec of `sleep`, which every image of this project has. Args: ctx, seconds.
*/}}
{{- define "common.preStopSleep" -}}
{{- if semverCompare ">=1.30.0-0" (include "common.kubeVersion" .ctx) -}}
sleep:
  seconds: {{ .seconds }}
{{- else -}}
exec:
  command: ["sleep", {{ .seconds | toString | quote }}]
{{- end -}}
{{- end -}}

{{/*
Checksum of what the release Secret is made from (global.secrets, global.existingSecret): in the
pod template of every workload that reads the Secret, so changing AUTH_SECRET, OPENAI_API_KEY or
DATABASE_URL through values rolls those pods. Generated values are not in it: they never change.
A Secret you manage (existingSecret) changes without Helm: restart the pods yourself. Arg: chart context.
*/}}
{{- define "common.secretChecksum" -}}
{{- dict "secrets" .Values.global.secrets "existingSecret" .Values.global.existingSecret | toJson | sha256sum -}}
{{- end -}}
