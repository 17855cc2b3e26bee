{{/* Chart name, truncated to the 63 characters Kubernetes names allow. */}}
{{- define "heyblue.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Release-qualified name of every object (just the release name when it already says heyblue). */}}
{{- define "heyblue.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "heyblue.labels" -}}
app.kubernetes.io/name: {{ include "heyblue.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "heyblue.selectorLabels" -}}
app.kubernetes.io/name: {{ include "heyblue.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: api
{{- end -}}

{{- define "heyblue.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* The Secret the pods read: the operator's own, or the one this chart renders. */}}
{{- define "heyblue.secretName" -}}
{{- default (printf "%s-secrets" (include "heyblue.fullname" .)) .Values.existingSecret -}}
{{- end -}}

{{- define "heyblue.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "heyblue.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* Volumes of the read-only root filesystem's writable paths (pods and the migration Job). */}}
{{- define "heyblue.volumes" -}}
- name: tmp
  emptyDir:
    sizeLimit: {{ .Values.tmp.sizeLimit }}
- name: uploads
{{- if .Values.uploads.existingClaim }}
  persistentVolumeClaim:
    claimName: {{ .Values.uploads.existingClaim }}
{{- else }}
  emptyDir:
    sizeLimit: {{ .Values.uploads.sizeLimit }}
{{- end }}
{{- end -}}

{{- define "heyblue.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
- name: uploads
  mountPath: {{ .Values.config.ETL_UPLOAD_DIR | required "config.ETL_UPLOAD_DIR must name the uploads mount (the root filesystem is read-only)" }}
{{- end -}}

{{/*
The secret settings as files: each key of the Secret is a file of a read-only volume, and the app
reads it through <NAME>_FILE, so no secret sits in the process environment (/proc/<pid>/environ,
crash reports). With the chart's own Secret its non-empty keys are wired; with existingSecret the
keys listed in existingSecretKeys. Callers pass nothing; the mount path is fixed.
*/}}
{{- define "heyblue.secretFileEnv" -}}
{{- if .Values.existingSecret }}
{{- range .Values.existingSecretKeys }}
- name: {{ . }}_FILE
  value: /var/run/secrets/heyblue/{{ . }}
{{- end }}
{{- else }}
{{- range $key, $value := .Values.secrets }}
{{- if $value }}
- name: {{ $key }}_FILE
  value: /var/run/secrets/heyblue/{{ $key }}
{{- end }}
{{- end }}
{{- end }}
{{- end -}}
