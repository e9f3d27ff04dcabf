{{/* Labels of every object; the selector labels are those of manifests/ (so the objects equal). */}}
{{- define "gateway-medic.labels" -}}
app.kubernetes.io/name: gateway-medic
app.kubernetes.io/part-of: gateway-medic
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end }}

{{- define "gateway-medic.selectorLabels" -}}
app.kubernetes.io/name: gateway-medic
app.kubernetes.io/component: operator
{{- end }}

{{- define "gateway-medic.subject" -}}
subjects:
  - kind: ServiceAccount
    name: gateway-medic
    namespace: {{ .Release.Namespace }}
{{- end }}

{{- define "gateway-medic.image" -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}
{{- end }}

{{/* The Lease this install elects on: a dry-run has its own, so it never competes with a real install. */}}
{{- define "gateway-medic.leaseName" -}}
{{ ternary .Values.dryRunLeaseName .Values.leaderElection.leaseName .Values.dryRun }}
{{- end }}

{{/* The config file: the settings the components of manifests/ do not set as flags. */}}
{{- define "gateway-medic.config" -}}
fabricNamespace: {{ .Values.fabricNamespace }}
gatewayNamespace: {{ .Values.gatewayNamespace }}
dryRun: false
leaderElection:
  enabled: {{ .Values.leaderElection.enabled }}
  leaseName: {{ .Values.leaderElection.leaseName }}
server:
  host: 0.0.0.0
  port: 8080
{{- $t := .Values.tickets }}
{{- if or (not $t.configMaps) $t.folder.enabled $t.webhook.url $t.alertmanager.url }}
tickets:
  configMaps: {{ $t.configMaps }}
  {{- if $t.folder.enabled }}
  directory: {{ $t.folder.mountPath }}
  {{- end }}
  {{- if $t.webhook.url }}
  webhook:
    url: {{ $t.webhook.url | quote }}
    headerName: {{ $t.webhook.headerName | quote }}
    {{- if $t.webhook.secret.name }}
    secretFile: /etc/gateway-medic/webhook/{{ $t.webhook.secret.key }}
    {{- end }}
  {{- end }}
  {{- if $t.alertmanager.url }}
  alertmanager:
    url: {{ $t.alertmanager.url | quote }}
    resendInterval: {{ $t.alertmanager.resendInterval }}
    {{- if $t.alertmanager.caConfigMap.name }}
    caFile: /etc/gateway-medic/alertmanager-ca/{{ $t.alertmanager.caConfigMap.key }}
    {{- end }}
    {{- if $t.alertmanager.bearerTokenSecret.name }}
    bearerTokenFile: /etc/gateway-medic/alertmanager/{{ $t.alertmanager.bearerTokenSecret.key }}
    {{- end }}
    {{- if $t.alertmanager.runbookURL }}
    runbookURL: {{ $t.alertmanager.runbookURL | quote }}
    {{- end }}
  {{- end }}
{{- end }}
{{- end }}
